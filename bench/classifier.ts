/** Benchmark: one training step of the linear classifier G (batch 256) at the code lengths the studies use. */
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { LinearClassifier, CLASSIFIER_DEFAULTS } from '../src/classifier/linear.js';
import type { BenchRow } from './run.js';

/** Mean time of a training step over `steps` steps after 20 warm-up steps, at D' bits -> C classes. */
export async function benchClassifier(quick: boolean): Promise<BenchRow[]> {
  const b = await initBackend();
  const rows: BenchRow[] = [];
  const steps = quick ? 20 : 200;
  for (const [D, C] of [
    [256, 200],
    [1024, 200],
    [2048, 200],
  ]) {
    const g = new LinearClassifier(D, C, 1);
    const opt = g.optimizer(CLASSIFIER_DEFAULTS);
    const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([256, D], 0, 1, 'float32', 1), 0.75), 'float32')) as tf.Tensor2D;
    const y = tf.randomUniform([256], 0, C, 'int32', 2) as tf.Tensor1D;
    for (let i = 0; i < 20; i++) g.step(opt, x, y).dispose();
    await g.weights().W.data();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) g.step(opt, x, y).dispose();
    await g.weights().W.data();
    rows.push({
      what: `classifier training step (${b.name}), batch 256, ${D} bits -> ${C} classes, Adam`,
      value: (performance.now() - t0) / steps,
      unit: 'ms',
    });
    tf.dispose([x, y]);
    opt.dispose();
    g.dispose();
  }
  return rows;
}
