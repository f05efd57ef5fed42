import { tf } from '../backend/tf.js';
import type { ClassifierConfig, LinearClassifier } from '../classifier/linear.js';
import { HostStepTrainer, hostStepsOnThisBackend } from '../classifier/host-step.js';
import type { Progress } from '../util/progress.js';
import { GbmError } from '../util/errors.js';
import type { MT19937 } from '../util/mt19937.js';

/** One mini-batch of a pseudo-replay epoch: indices of real new-class codes and labels of old-class pseudo-exemplars. */
export interface ReplayBatch {
  realIndices: Int32Array;
  pseudoLabels: Int32Array;
}

/**
 * Mini-batches of one epoch, built by Equation 4 of the paper: every batch holds N_new real codes of the
 * task's classes and N_old pseudo-exemplars with N_old / N_new = |C_old| / |C_new| (rounded per batch), old
 * labels drawn uniformly over the old classes, so that every class seen so far is equally likely in a batch.
 */
export function replayEpoch(numReal: number, oldClasses: readonly number[], numNewClasses: number, batchSize: number, rng: MT19937): ReplayBatch[] {
  if (numNewClasses < 1) throw new GbmError('a task needs at least one new class.', "check the scenario's task sizes.");
  const ratio = oldClasses.length / numNewClasses;
  const newPerBatch = Math.max(1, Math.round(batchSize / (1 + ratio)));
  const order = Int32Array.from({ length: numReal }, (_, i) => i);
  rng.shuffle(order);
  const batches: ReplayBatch[] = [];
  for (let s = 0; s < numReal; s += newPerBatch) {
    const realIndices = order.slice(s, Math.min(numReal, s + newPerBatch));
    const nOld = oldClasses.length ? Math.round(realIndices.length * ratio) : 0;
    const pseudoLabels = new Int32Array(nOld);
    for (let i = 0; i < nOld; i++) pseudoLabels[i] = oldClasses[rng.interval(oldClasses.length - 1)];
    batches.push({ realIndices, pseudoLabels });
  }
  return batches;
}

/** The old-class labels of an epoch's batches, in batch order (one draw of their rows serves the whole epoch). */
function epochOldLabels(batches: readonly ReplayBatch[]): Int32Array {
  const all = new Int32Array(batches.reduce((n, b) => n + b.pseudoLabels.length, 0));
  let o = 0;
  for (const b of batches) {
    all.set(b.pseudoLabels, o);
    o += b.pseudoLabels.length;
  }
  return all;
}

/** Where the old classes' training rows come from during replay: GBM's BMM samples, stored exemplars, shifted features. */
export type OldRowSampler = (labels: Int32Array, seed: number) => Float32Array;

/**
 * Train G for `epochs` on one step: every epoch walks the real rows once in Equation-4 batches, each topped up
 * with rows of old classes drawn from `sampleOld` (none when it is null: fine-tuning). Returns the last
 * epoch's mean loss. Every method that trains G goes through here, so they differ only in their memory.
 * With the rows on the host (`real.xHost`) on wasm or cpu, the steps run through HostStepTrainer (one WebAssembly
 * call a step: products, softmax cross-entropy and the optimizer); otherwise through tfjs's optimizer on tensor batches.
 */
export async function trainWithReplay(
  g: LinearClassifier,
  cfg: ClassifierConfig,
  real: { x: tf.Tensor2D; y: Int32Array; n: number; numClasses: number; xHost?: Float32Array },
  oldClasses: readonly number[],
  sampleOld: OldRowSampler | null,
  rng: MT19937,
  bar: Progress,
): Promise<number> {
  const D = real.x.shape[1];
  if (real.xHost && hostStepsOnThisBackend()) return trainOnHost(g, cfg, { ...real, xHost: real.xHost }, oldClasses, sampleOld, rng, bar);
  const opt = g.optimizer(cfg);
  const yReal = tf.tensor1d(real.y, 'int32');
  const replayOld = sampleOld ? oldClasses : [];
  let lastLoss = NaN;
  try {
    for (let e = 0; e < cfg.epochs; e++) {
      const batches = replayEpoch(real.n, replayOld, real.numClasses, cfg.batchSize, rng);
      const allOld = epochOldLabels(batches);
      // One draw of the epoch's old rows; each batch uploads its own (no slicing of a big tensor).
      const old = allOld.length ? sampleOld!(allOld, rng.childSeed()) : null;
      // Batches are built lazily, one at a time, as the classifier consumes them.
      function* batchTensors(): Generator<[tf.Tensor2D, tf.Tensor1D]> {
        let off = 0;
        for (const b of batches) {
          const nOld = b.pseudoLabels.length;
          const start = off;
          off += nOld;
          yield tf.tidy(() => {
            const idx = tf.tensor1d(b.realIndices, 'int32');
            let xs = tf.gather(real.x, idx) as tf.Tensor2D;
            let ys = tf.gather(yReal, idx) as tf.Tensor1D;
            if (old && nOld) {
              xs = tf.concat([xs, tf.tensor2d(old.subarray(start * D, (start + nOld) * D), [nOld, D])]);
              ys = tf.concat([ys, tf.tensor1d(b.pseudoLabels, 'int32')]);
            }
            return [xs, ys] as [tf.Tensor2D, tf.Tensor1D];
          });
        }
      }
      lastLoss = await g.steps(opt, batchTensors());
      bar.tick();
    }
  } finally {
    bar.finish();
    opt.dispose();
    yReal.dispose();
  }
  return lastLoss;
}

/** trainWithReplay's loop through HostStepTrainer: the same batches, labels and draws, the rows gathered on the host. */
async function trainOnHost(
  g: LinearClassifier,
  cfg: ClassifierConfig,
  real: { y: Int32Array; n: number; numClasses: number; xHost: Float32Array },
  oldClasses: readonly number[],
  sampleOld: OldRowSampler | null,
  rng: MT19937,
  bar: Progress,
): Promise<number> {
  const trainer = new HostStepTrainer(g, cfg);
  const replayOld = sampleOld ? oldClasses : [];
  const D = g.dim;
  let lastLoss = Number.NaN;
  try {
    for (let e = 0; e < cfg.epochs; e++) {
      const batches = replayEpoch(real.n, replayOld, real.numClasses, cfg.batchSize, rng);
      const allOld = epochOldLabels(batches);
      const old = allOld.length ? sampleOld!(allOld, rng.childSeed()) : null;
      const last = e === cfg.epochs - 1;
      let lossSum = 0;
      let off = 0;
      for (const [i, b] of batches.entries()) {
        // Let the event loop turn every few ms of steps: work in flight beside the run (the figure browser starting)
        // needs its turns, and a step is only ~0.3 ms.
        if (i % 32 === 31) await new Promise((r) => setImmediate(r));
        const nOld = b.pseudoLabels.length;
        const extra = old && nOld ? { x: old.subarray(off * D, (off + nOld) * D), y: b.pseudoLabels } : undefined;
        off += nOld;
        const loss = trainer.step(real.xHost, real.y, b.realIndices, last, extra);
        if (last) lossSum += loss;
      }
      if (last) lastLoss = batches.length ? lossSum / batches.length : Number.NaN;
      bar.tick();
      // Let the event loop run (progress output, signals) between epochs, as the tensor path's awaits do.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    trainer.finish();
    bar.finish();
  }
  return lastLoss;
}
