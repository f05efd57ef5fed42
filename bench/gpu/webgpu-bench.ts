/**
 * GPU benchmark (run on a machine with a GPU, see bench/gpu/README.md): which backend `auto` picks, then the
 * EM benchmark of bench/em.ts and classifier training steps on that backend and on wasm in the same process,
 * with the EM results compared across the two. Prints a markdown table for BENCHMARKS.md.
 */
import os from 'node:os';
import { describeBackend, initBackend } from '../../src/backend/index.js';
import { tf } from '../../src/backend/tf.js';
import { CLASSIFIER_DEFAULTS, LinearClassifier } from '../../src/classifier/linear.js';
import { fitBernoulliMixtures } from '../../src/memory/em.js';
import { makeData } from '../em.js';

interface Measured {
  emMs: number;
  lastLl: number[];
  stepMs: number;
}

async function measure(backend: string): Promise<Measured> {
  await initBackend(backend);
  const iters = 50;
  const { codes, mu0, pi0 } = makeData(1);
  const cfg = { K: 8, maxIter: iters, tol: 0, warmup: 5, eps: 1e-3, minMass: 0 };
  await fitBernoulliMixtures({ codes, dim: 256 }, { ...cfg, maxIter: 3 }, 0, { mu: mu0, pi: pi0 }); // compile shaders / warm up
  const t0 = performance.now();
  const r = await fitBernoulliMixtures({ codes, dim: 256 }, cfg, 0, { mu: mu0, pi: pi0 });
  const emMs = (performance.now() - t0) / iters;
  const g = new LinearClassifier(256, 200, 1);
  const opt = g.optimizer(CLASSIFIER_DEFAULTS);
  const x = tf.tidy(() => tf.randomUniform([256, 256], 0, 1, 'float32', 2).greater(0.5).toFloat()) as tf.Tensor2D;
  const y = tf.randomUniform([256], 0, 200, 'int32', 3) as tf.Tensor1D;
  for (let i = 0; i < 10; i++) g.step(opt, x, y).dispose();
  await tf.ready();
  const t1 = performance.now();
  const mean = await g.steps(
    opt,
    Array.from({ length: 100 }, () => [x.clone(), y.clone()] as [tf.Tensor2D, tf.Tensor1D]),
  );
  const stepMs = (performance.now() - t1) / 100;
  if (!Number.isFinite(mean)) throw new Error('classifier loss is not finite');
  tf.dispose([x, y]);
  g.dispose();
  return { emMs, lastLl: r.trace[r.trace.length - 1], stepMs };
}

async function main(): Promise<void> {
  const auto = await initBackend('auto');
  console.log(`machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model}), node ${process.version}`);
  console.log(`auto backend: ${describeBackend(auto)}\n`);
  const results: Record<string, Measured> = {};
  for (const b of [auto.name, 'wasm']) results[b] = await measure(b);
  console.log(`| measurement | ${Object.keys(results).join(' | ')} |`);
  console.log(
    '|---|' +
      Object.keys(results)
        .map(() => '---|')
        .join(''),
  );
  console.log(
    '| EM 100 classes x 500 codes x 256 bits, K=8, per iteration (ms) | ' +
      Object.values(results)
        .map((m) => m.emMs.toFixed(2))
        .join(' | ') +
      ' |',
  );
  console.log(
    '| classifier training step, batch 256, 256 bits -> 200 classes (ms) | ' +
      Object.values(results)
        .map((m) => m.stepMs.toFixed(2))
        .join(' | ') +
      ' |',
  );
  if (auto.name !== 'wasm') {
    const a = results[auto.name].lastLl;
    const w = results.wasm.lastLl;
    const rel = Math.max(...a.map((v, i) => Math.abs(v - w[i]) / Math.abs(w[i])));
    console.log(`\nEM final log-likelihood, ${auto.name} vs wasm, max relative difference over 100 classes: ${rel.toExponential(2)}`);
  }
}

void main();
