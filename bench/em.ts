/** Benchmark: batched EM (100 classes x 500 codes x 256 bits, K = 8) against numpy on the same data, sampling rate, and a warm GBM run. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { runExperiment } from '../src/run/runner.js';
import { fitBernoulliMixtures } from '../src/memory/em.js';
import { BinaryMemory } from '../src/memory/memory.js';
import { MT19937 } from '../src/util/mt19937.js';
import type { BenchRow } from './run.js';
import { PYTHON, peerEnv } from './python.js';

const C = 100;
const N = 500;
const D = 256;
const K = 8;

/** Codes drawn from a planted mixture per class (seeded), and the kit's own centroid + perturbation start (shared with bench/gpu). */
export function makeData(seed: number): { codes: Uint8Array[]; mu0: Float32Array; pi0: Float32Array } {
  const rng = new MT19937(seed);
  const codes: Uint8Array[] = [];
  for (let c = 0; c < C; c++) {
    const protos = Array.from({ length: 4 }, () => Float32Array.from({ length: D }, () => (rng.random() < 0.3 ? 0.85 : 0.08)));
    const z = new Uint8Array(N * D);
    for (let i = 0; i < N; i++) {
      const p = protos[rng.interval(3)];
      for (let d = 0; d < D; d++) z[i * D + d] = rng.random() < p[d] ? 1 : 0;
    }
    codes.push(z);
  }
  const mu0 = new Float32Array(C * K * D);
  for (let c = 0; c < C; c++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += codes[c][i * D + d];
      for (let k = 0; k < K; k++) mu0[(c * K + k) * D + d] = Math.min(0.999, Math.max(0.001, s / N + (2 * rng.random() - 1) * 0.05));
    }
  }
  return { codes, mu0, pi0: new Float32Array(C * K).fill(1 / K) };
}

/** Run the EM benchmark and its numpy reference; quick = fewer iterations. */
export async function benchEm(quick: boolean): Promise<BenchRow[]> {
  const backend = await initBackend();
  const rows: BenchRow[] = [];
  const iters = quick ? 10 : 50;
  const { codes, mu0, pi0 } = makeData(1);
  const cfg = { K, maxIter: iters, tol: 0, warmup: 5, eps: 1e-3, minMass: 0 };
  await fitBernoulliMixtures({ codes: codes.slice(0, 4), dim: D }, { ...cfg, maxIter: 2 }, 0); // warm-up
  const t0 = performance.now();
  const ours = await fitBernoulliMixtures({ codes, dim: D }, cfg, 0, { mu: mu0, pi: pi0 });
  const oursMs = (performance.now() - t0) / iters;
  rows.push({ what: `EM ${C} classes x ${N} codes x ${D} bits, K=${K}, per iteration (${backend.name})`, value: oursMs, unit: 'ms' });
  rows.push({ what: `EM full fit, ${iters} iterations (${backend.name})`, value: (oursMs * iters) / 1000, unit: 's' });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbm-em-'));
  try {
    const all = new Uint8Array(C * N * D);
    codes.forEach((z, c) => all.set(z, c * N * D));
    fs.writeFileSync(path.join(dir, 'codes.u8'), all);
    fs.writeFileSync(path.join(dir, 'mu0.f32'), new Uint8Array(mu0.buffer));
    fs.writeFileSync(path.join(dir, 'pi0.f32'), new Uint8Array(pi0.buffer));
    fs.writeFileSync(path.join(dir, 'shape.json'), JSON.stringify({ C, N, D, K, iters, warmup: cfg.warmup, eps: cfg.eps }));
    const r = spawnSync(PYTHON, [path.join(__dirname, 'em_numpy.py'), dir], { encoding: 'utf8', env: peerEnv('default') });
    if (r.status !== 0) {
      rows.push({ what: `numpy reference failed (${r.stderr.trim().split('\n').pop()}); install python3-numpy`, value: NaN, unit: '' });
    } else {
      const ref = JSON.parse(r.stdout) as { per_iteration_ms: number; final_loglik: number[]; numpy: string };
      rows.push({
        what: `numpy ${ref.numpy} reference, same data and start, per iteration (float32, ${os.availableParallelism()} BLAS threads max)`,
        value: ref.per_iteration_ms,
        unit: 'ms',
      });
      rows.push({ what: 'ratio kit / numpy (lower is better)', value: oursMs / ref.per_iteration_ms, unit: 'x' });
      const lastOurs = ours.trace[ours.trace.length - 1];
      const maxRel = Math.max(...ref.final_loglik.map((v, c) => Math.abs(v - lastOurs[c]) / Math.abs(v)));
      rows.push({ what: 'max relative difference of final log-likelihoods, kit vs numpy', value: maxRel, unit: '' });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Pseudo-exemplar generation rate.
  const mem = new BinaryMemory(D, K, 32);
  for (let c = 0; c < C; c++) mem.add(c, ours.mu.subarray(c * K * D, (c + 1) * K * D), ours.pi.subarray(c * K, (c + 1) * K));
  const labels = Int32Array.from({ length: 100000 }, (_, i) => i % C);
  const t1 = performance.now();
  mem.sampleCodes(labels, 3);
  rows.push({ what: `pseudo-exemplar generation (${D}-bit codes)`, value: labels.length / ((performance.now() - t1) / 1000), unit: 'codes/s' });

  if (!quick) {
    // The default experiment from a warm feature cache, stage by stage.
    const t2 = performance.now();
    const run = await runExperiment({}, { progress: false });
    const secs = (performance.now() - t2) / 1000;
    const sum = (k: 'binarize' | 'memory' | 'train' | 'eval') => run.steps.reduce((s, x) => s + x.seconds[k], 0);
    rows.push({ what: 'default GBM run (TinyImageNet B100 5x20, K=8, p=1), warm cache, wall time', value: secs, unit: 's' });
    rows.push({
      what: '  of which: binarize / EM / classifier training / evaluation',
      value: NaN,
      unit: `${sum('binarize').toFixed(1)} / ${sum('memory').toFixed(1)} / ${sum('train').toFixed(1)} / ${sum('eval').toFixed(2)} s`,
    });
    rows.push({ what: '  one incremental classifier training (step 1: 20 new + 100 old classes, 8 epochs)', value: run.steps[1].seconds.train, unit: 's' });
    rows.push({
      what: '  average incremental / final accuracy',
      value: 100 * run.summary.averageIncrementalAccuracy,
      unit: `% / ${(100 * run.summary.finalAccuracy).toFixed(2)} %`,
    });
  }
  return rows;
}
