import type { tf } from '../backend/tf.js';
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
      { x: d.xTensor, y: d.y, n: d.n, numClasses: d.newClasses.length },
      d.oldClasses,
      this.memory ? this.memory.sample : null,
      rng,
      bar,
    );
    return { trainLoss: loss, extra, seconds: { memory: tMemory, train: (Date.now() - ts) / 1000 } };
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
