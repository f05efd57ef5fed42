/**
 * `npm run bench -- peers`: the kit beside what a user would pick instead, in one run, contenders interleaved, as
 * ratios (kit / peer; below 1 the kit is faster): the whole default job against its numpy re-implementation
 * (bench/job_numpy.py) on the same feature cache, G's training step against numpy and PyTorch
 * (bench/gstep_peers.py), EM against numpy (bench/em_numpy.py), and the ResNet-20 forward pass against PyTorch
 * (bench/torch_forward.py). numpy runs on the BLAS it loads (printed) at one thread and at its default; the machine's
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for the peers (they pin OpenBLAS to older kernels).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { HostStepTrainer } from '../src/classifier/host-step.js';
import { LinearClassifier } from '../src/classifier/linear.js';
import { fitBernoulliMixtures } from '../src/memory/em.js';
import { buildNet } from '../src/models/nets.js';
import { MT19937 } from '../src/util/mt19937.js';
import { PROJECT_ROOT } from '../src/util/project.js';
import { makeData } from './em.js';
import { PYTHON, peerEnv } from './python.js';
import type { BenchRow } from './run.js';
import { median } from './stats.js';

/** Run a Python peer and parse the JSON of its last line, or explain why it could not run. */
function python(script: string, args: string[], threads: number | 'default'): { ok: true; out: Record<string, unknown> } | { ok: false; why: string } {
  const r = spawnSync(PYTHON, [path.join(__dirname, script), ...args], { encoding: 'utf8', env: peerEnv(threads), maxBuffer: 64 << 20 });
  if (r.status !== 0) return { ok: false, why: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()! };
  return { ok: true, out: JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

/** Wall seconds of a command run to completion (its output discarded), and its stdout. */
function wall(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { secs: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return { secs: (performance.now() - t0) / 1000, stdout: r.stdout };
}

/** The whole default job: `gbm run` (what `npm start` runs) with and without its figure, beside job_numpy.py. */
function wholeJob(rows: BenchRow[], rounds: number): void {
  const cache = path.join(PROJECT_ROOT, 'data', 'cache', 'features');
  const dir = fs.existsSync(cache) ? fs.readdirSync(cache).find((d) => /^tinyimagenet-resnet20-e8ste-32-[0-9a-f]+$/.test(d)) : undefined;
  if (!dir) {
    rows.push({ what: 'whole job: no feature cache of the default backbone; run `npm start` once first', value: NaN, unit: '' });
    return;
  }
  const gbm = ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'run'];
  const t: Record<string, number[]> = { kit: [], kitNoFig: [], np1: [], npDef: [] };
  let kitAcc = NaN;
  let npAcc = NaN;
  let kitPhases: Record<string, number> = {};
  let npPhases: Record<string, number> = {};
  let blas = '';
  let numpy = '';
  for (let r = 0; r < rounds; r++) {
    const k = wall(process.execPath, gbm);
    t.kit.push(k.secs);
    kitAcc = Number(/average incremental accuracy\s+([\d.]+) %/.exec(k.stdout)?.[1]);
    // The run's own phase times, summed over its steps (results.json, in the folder the run printed).
    const folder = /\(results in ([^)]+)\)/.exec(k.stdout)?.[1];
    if (folder) {
      const res = JSON.parse(fs.readFileSync(path.resolve(PROJECT_ROOT, folder, 'results.json'), 'utf8')) as { steps: { seconds: Record<string, number> }[] };
      kitPhases = {};
      for (const st of res.steps) for (const [name, v] of Object.entries(st.seconds)) kitPhases[name] = (kitPhases[name] ?? 0) + v;
    }
    for (const threads of [1, 'default'] as const) {
      const t0 = performance.now();
      const p = python('job_numpy.py', [path.join(cache, dir)], threads);
      if (!p.ok) {
        rows.push({ what: `numpy whole-job peer failed (${p.why}); install python3-numpy`, value: NaN, unit: '' });
        return;
      }
      (threads === 1 ? t.np1 : t.npDef).push((performance.now() - t0) / 1000);
      npAcc = 100 * (p.out.average_incremental_accuracy as number);
      if (threads === 1) npPhases = p.out.seconds as Record<string, number>;
      blas = String(p.out.blas);
      numpy = String(p.out.numpy);
    }
    t.kitNoFig.push(wall(process.execPath, [...gbm, '--no-figure']).secs);
  }
  const [kit, kitNoFig, np1, npDef] = [t.kit, t.kitNoFig, t.np1, t.npDef].map(median);
  rows.push({ what: `whole default job, kit \`gbm run\` (as \`npm start\`, warm cache, with its figure), median of ${rounds}`, value: kit, unit: 's' });
  rows.push({ what: 'whole default job, kit `gbm run --no-figure`', value: kitNoFig, unit: 's' });
  rows.push({ what: `whole default job, numpy ${numpy} re-implementation, 1 BLAS thread`, value: np1, unit: 's' });
  rows.push({ what: 'whole default job, numpy, default BLAS threads', value: npDef, unit: 's' });
  rows.push({ what: 'kit (with figure) / numpy 1 thread', value: kit / np1, unit: 'x' });
  rows.push({ what: 'kit (no figure) / numpy 1 thread', value: kitNoFig / np1, unit: 'x' });
  rows.push({ what: 'kit (no figure) / numpy default threads', value: kitNoFig / npDef, unit: 'x' });
  rows.push({ what: 'average incremental accuracy, kit / numpy (random streams differ)', value: kitAcc, unit: `% / ${npAcc.toFixed(2)} %` });
  const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));
  rows.push({
    what: '  phases of the last round, kit / numpy 1 thread: binarize, EM, G training (with sampling), evaluation',
    value: NaN,
    unit: `${f(kitPhases.binarize)} / ${f(npPhases.binarize)}, ${f(kitPhases.memory)} / ${f(npPhases.em)}, ${f(kitPhases.train)} / ${f(npPhases.train)}, ${f(kitPhases.eval)} / ${f(npPhases.eval)} s`,
  });
  rows.push({ what: `  numpy's BLAS: ${blas}`, value: NaN, unit: '' });
  if (Math.abs(kitAcc - npAcc) > 0.5) throw new Error(`the numpy peer's accuracy ${npAcc} % is not the kit's ${kitAcc} %: the peers do not run the same job`);
}

/** ms per step of HostStepTrainer (the gstep kernel) on a batch of 0/1 codes, 25 % ones, as gstep_peers.py draws. */
function kitGStep(D: number, C: number, batch: number, steps: number): number {
  const rng = new MT19937(1);
  const x = Float32Array.from({ length: batch * D }, () => (rng.random() < 0.25 ? 1 : 0));
  const y = Int32Array.from({ length: batch }, () => rng.interval(C - 1));
  const rows = Int32Array.from({ length: batch }, (_, i) => i);
  const g = new LinearClassifier(D, C, 1);
  const trainer = new HostStepTrainer(g, { epochs: 1, batchSize: batch, optimizer: 'adam', learningRate: 1e-3, perTask: 'continue' });
  for (let i = 0; i < 5; i++) trainer.step(x, y, rows, false);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) trainer.step(x, y, rows, false);
  const ms = (performance.now() - t0) / steps;
  g.dispose();
  return ms;
}

/** G's training step at three code lengths, kit beside numpy and PyTorch at 1 thread and their default. */
function gStep(rows: BenchRow[], quick: boolean): void {
  const dims = [64, 256, 2048];
  const batch = 256;
  const C = 200;
  const steps = quick ? 100 : 400;
  const kit: Record<number, number[]> = Object.fromEntries(dims.map((D) => [D, []]));
  const peer: Record<string, number[]> = {};
  const push = (k: string, v: number) => {
    peer[k] = [...(peer[k] ?? []), v];
  };
  let info: Record<string, unknown> = {};
  for (let r = 0; r < 3; r++) {
    for (const D of dims) kit[D].push(kitGStep(D, C, batch, steps));
    for (const threads of [1, 'default'] as const) {
      const p = python('gstep_peers.py', [String(batch), String(C), String(steps), String(threads), dims.join(',')], threads);
      if (!p.ok) {
        rows.push({ what: `G-step peers failed (${p.why}); install python3-numpy (and python3-torch)`, value: NaN, unit: '' });
        return;
      }
      info = p.out;
      for (const [k, v] of Object.entries(p.out.ms as Record<string, number>)) push(`${k} ${threads}`, v);
    }
  }
  const torch = info.torch ? String(info.torch) : null;
  for (const D of dims) {
    const k = median(kit[D]);
    rows.push({ what: `G step, ${D}-bit codes, ${C} classes, batch ${batch}: kit (wasm kernel, 1 thread)`, value: k, unit: 'ms' });
    for (const threads of [1, 'default'] as const) {
      const n = median(peer[`numpy ${D} ${threads}`]);
      rows.push({ what: `  numpy, ${threads === 1 ? '1 thread' : 'default threads'}; kit / numpy`, value: n, unit: `ms; ${(k / n).toFixed(2)} x` });
      if (torch) {
        const t = median(peer[`torch ${D} ${threads}`]);
        rows.push({
          what: `  PyTorch ${torch}, ${threads === 1 ? '1 thread' : 'default threads'}; kit / PyTorch`,
          value: t,
          unit: `ms; ${(k / t).toFixed(2)} x`,
        });
      }
    }
  }
  const cfg = String(info.torch_config ?? '');
  rows.push({
    what: `  peers' BLAS: ${info.blas}${torch ? `; PyTorch BLAS_INFO=${/BLAS_INFO=(\w+)/.exec(cfg)?.[1]}, oneDNN ${/MKL-DNN v([\d.]+)/.exec(cfg)?.[1] ?? 'no'}, default threads ${info.torch_threads}` : ''}`,
    value: NaN,
    unit: '',
  });
}

/** EM per iteration on bench/em.ts's data: the kernel and the tensor path beside numpy at 1 thread and its default. */
async function em(rows: BenchRow[], quick: boolean): Promise<void> {
  const { codes, mu0, pi0 } = makeData(1);
  const C = codes.length;
  const N = codes[0].length / 256;
  const iters = quick ? 10 : 40;
  const cfg = { K: 8, maxIter: iters, tol: 0, warmup: 5, eps: 1e-3, minMass: 0 };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbm-peers-em-'));
  const t: Record<string, number[]> = { kernel: [], tensor: [], np1: [], npDef: [] };
  let finals: number[] = [];
  let npFinals: number[] = [];
  let blas = '';
  try {
    const all = new Uint8Array(C * N * 256);
    codes.forEach((z, c) => all.set(z, c * N * 256));
    fs.writeFileSync(path.join(dir, 'codes.u8'), all);
    fs.writeFileSync(path.join(dir, 'mu0.f32'), new Uint8Array(mu0.buffer));
    fs.writeFileSync(path.join(dir, 'pi0.f32'), new Uint8Array(pi0.buffer));
    fs.writeFileSync(path.join(dir, 'shape.json'), JSON.stringify({ C, N, D: 256, K: 8, iters, warmup: cfg.warmup, eps: cfg.eps }));
    for (let r = 0; r < 3; r++) {
      for (const impl of ['kernel', 'tensor'] as const) {
        const t0 = performance.now();
        const fit = await fitBernoulliMixtures({ codes, dim: 256 }, cfg, 0, { mu: mu0, pi: pi0 }, impl);
        t[impl].push((performance.now() - t0) / iters);
        if (impl === 'kernel') finals = fit.trace[fit.trace.length - 1];
      }
      for (const threads of [1, 'default'] as const) {
        const p = python('em_numpy.py', [dir], threads);
        if (!p.ok) {
          rows.push({ what: `EM numpy peer failed (${p.why}); install python3-numpy`, value: NaN, unit: '' });
          return;
        }
        (threads === 1 ? t.np1 : t.npDef).push(p.out.per_iteration_ms as number);
        npFinals = p.out.final_loglik as number[];
        blas = String(p.out.blas);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [kernel, tensor, np1, npDef] = [t.kernel, t.tensor, t.np1, t.npDef].map(median);
  rows.push({ what: `EM per iteration, ${C} classes x ${N} codes x 256 bits, K = 8: kit kernel (wasm, 1 thread)`, value: kernel, unit: 'ms' });
  rows.push({ what: '  kit tensor path (tfjs wasm, the reference)', value: tensor, unit: 'ms' });
  rows.push({ what: '  numpy, 1 thread; kit kernel / numpy', value: np1, unit: `ms; ${(kernel / np1).toFixed(2)} x` });
  rows.push({ what: '  numpy, default threads; kit kernel / numpy', value: npDef, unit: `ms; ${(kernel / npDef).toFixed(2)} x` });
  const gap = Math.max(...finals.map((v, c) => Math.abs(v - npFinals[c]) / Math.abs(npFinals[c])));
  rows.push({
    what: `  largest relative difference of a class's log-likelihood after ${iters} iterations, kit kernel vs numpy (both float32)`,
    value: gap,
    unit: '',
  });
  rows.push({ what: `  numpy's BLAS: ${blas}`, value: NaN, unit: '' });
}

/** The ResNet-20 forward pass (feature extraction's cost), kit on wasm at 1 thread beside PyTorch at 1 thread. */
async function forward(rows: BenchRow[], quick: boolean): Promise<void> {
  const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 100, width: 1 }, 1);
  const x = tf.randomNormal([128, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const batches = quick ? 3 : 10;
  const kit: number[] = [];
  const torch: number[] = [];
  let version = '';
  for (let r = 0; r < 3; r++) {
    net.embed(x).dispose();
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      const e = net.embed(x);
      e.dataSync();
      e.dispose();
    }
    kit.push((128 * batches) / ((performance.now() - t0) / 1000));
    const p = python('torch_forward.py', ['1', String(batches)], 1);
    if (!p.ok) {
      rows.push({ what: `PyTorch forward peer failed (${p.why}); install python3-torch`, value: NaN, unit: '' });
      break;
    }
    torch.push(p.out.img_per_s as number);
    version = String(p.out.torch);
  }
  x.dispose();
  net.dispose();
  const k = median(kit);
  rows.push({ what: 'ResNet-20 forward, 32x32, batch 128: kit (tfjs wasm, 1 thread)', value: k, unit: 'img/s' });
  if (torch.length) {
    const t = median(torch);
    rows.push({ what: `  PyTorch ${version}, 1 thread; PyTorch / kit`, value: t, unit: `img/s; ${(t / k).toFixed(2)} x` });
  }
}

/** All four comparisons (quick: fewer steps, iterations and rounds of the whole job). */
export async function benchPeers(quick: boolean): Promise<BenchRow[]> {
  await initBackend('wasm');
  const rows: BenchRow[] = [];
  wholeJob(rows, quick ? 1 : 3);
  gStep(rows, quick);
  await em(rows, quick);
  await forward(rows, quick);
  return rows;
}
