import { tf } from '../backend/tf.js';
import { LinearClassifier } from '../classifier/linear.js';
import type { CilMethod, MethodContext, StepData, StepStats } from '../cil/method.js';
import { trainWithReplay, type OldRowSampler } from '../cil/replay.js';

/** A memory of past classes that can hand out training rows for them (GBM's BMMs, stored exemplars, class means). */
export interface ReplayMemory {
  /** Take in this step's classes; may report statistics of its own (StepStats.extra). */
  add(d: StepData, seed: number): Promise<Record<string, number> | undefined>;
  /** Rows for the given old-class labels (sampled, picked or synthesised). */
  sample: OldRowSampler;
  /** Bits the memory holds. */
  bits(): number;
  /**
   * Learn a step's classes from a stream (online scenario): update(rows) per mini-batch, each row seen once, then
   * finish() stores what was learned and reports its statistics. Memories without it cannot run online.
   */
  stream?(d: StepData, seed: number): { update(rows: Int32Array): void; finish(): Record<string, number> };
  save?(dir: string): void;
  dispose?(): void;
}

/**
 * The shape shared by GBM and the replay baselines: a growing linear classifier G trained each step on the
 * new classes' real rows plus rows for the old classes from a ReplayMemory (Equation-4 batches), or on no old
 * rows at all when there is no memory (fine-tuning).
 */
export class LinearReplayMethod implements CilMethod {
  private G: LinearClassifier | null = null;

  constructor(
    private readonly ctx: MethodContext,
    private readonly memory: ReplayMemory | null,
  ) {}

  async learn(d: StepData): Promise<StepStats> {
    const { config, rng } = this.ctx;
    const seen = d.oldClasses.length + d.newClasses.length;
    if (!this.G) this.G = new LinearClassifier(d.dim, seen, rng.childSeed());
    else this.G.grow(seen, config.classifier.perTask);
    let ts = Date.now();
    const extra = (this.memory ? await this.memory.add(d, rng.childSeed()) : undefined) ?? {};
    const tMemory = (Date.now() - ts) / 1000;
    ts = Date.now();
    const bar = this.ctx.progress(`step ${d.step} train G`, config.classifier.epochs);
    const loss = await trainWithReplay(
      this.G,
      config.classifier,
      { x: d.xTensor, xHost: d.x, y: d.y, n: d.n, numClasses: d.newClasses.length },
      d.oldClasses,
      this.memory ? this.memory.sample : null,
      rng,
      bar,
    );
    return { trainLoss: loss, extra, seconds: { memory: tMemory, train: (Date.now() - ts) / 1000 } };
  }

  /**
   * The online step: for every mini-batch of the stream, the memory learns it, then G takes one step on its real rows
   * plus pseudo-rows of the old classes in Equation 4's proportion (|C_old| / |C_new| per real row, old labels drawn
   * uniformly), so every class seen so far stays equally likely in each step (`--stream-steps` steps per batch).
   */
  async learnStream(d: StepData, batches: Int32Array[]): Promise<StepStats> {
    const { config, rng } = this.ctx;
    const seen = d.oldClasses.length + d.newClasses.length;
    if (!this.G) this.G = new LinearClassifier(d.dim, seen, rng.childSeed());
    else this.G.grow(seen, config.classifier.perTask);
    const stream = this.memory?.stream?.(d, rng.childSeed()) ?? null;
    if (this.memory && !stream) throw new Error('this memory cannot learn from a stream');
    const ratio = d.oldClasses.length / d.newClasses.length;
    const steps = config.scenario.stream?.steps ?? 1;
    const opt = this.G.optimizer(config.classifier);
    const yAll = tf.tensor1d(d.y, 'int32');
    let tMemory = 0;
    const t0 = Date.now();
    let loss = NaN;
    try {
      const bar = this.ctx.progress(`step ${d.step} stream`, batches.length);
      let lossSum = 0;
      for (const rows of batches) {
        let ts = Date.now();
        stream?.update(rows);
        tMemory += (Date.now() - ts) / 1000;
        const nOld = this.memory && d.oldClasses.length ? Math.round(rows.length * ratio) : 0;
        const labels = Int32Array.from({ length: nOld }, () => d.oldClasses[rng.interval(d.oldClasses.length - 1)]);
        ts = Date.now();
        const old = nOld ? this.memory!.sample(labels, rng.childSeed()) : null;
        tMemory += (Date.now() - ts) / 1000;
        const batch = tf.tidy(() => {
          const idx = tf.tensor1d(rows, 'int32');
          let xs = tf.gather(d.xTensor, idx) as tf.Tensor2D;
          let ys = tf.gather(yAll, idx) as tf.Tensor1D;
          if (old) {
            xs = tf.concat([xs, tf.tensor2d(old, [nOld, d.dim])]);
            ys = tf.concat([ys, tf.tensor1d(labels, 'int32')]);
          }
          return [xs, ys] as [tf.Tensor2D, tf.Tensor1D];
        });
        // The same mini-batch for each of the stream's steps per batch (its rows are still seen in one place only).
        const [xs, ys] = batch;
        for (let k = 0; k < steps; k++) lossSum += (await this.G.steps(opt, [[xs.clone(), ys.clone()]])) / steps;
        tf.dispose(batch);
        bar.tick();
      }
      bar.finish();
      loss = lossSum / Math.max(1, batches.length);
    } finally {
      opt.dispose();
      yAll.dispose();
    }
    const ts = Date.now();
    const extra = stream?.finish() ?? {};
    tMemory += (Date.now() - ts) / 1000;
    return { trainLoss: loss, extra, seconds: { memory: tMemory, train: (Date.now() - t0) / 1000 - tMemory } };
  }

  predict(x: tf.Tensor2D): Promise<Int32Array> {
    return this.G!.predict(x);
  }

  memoryBits(): number {
    return this.memory?.bits() ?? 0;
  }

  save(dir: string): void {
    this.memory?.save?.(dir);
  }

  dispose(): void {
    this.G?.dispose();
    this.memory?.dispose?.();
  }
}
