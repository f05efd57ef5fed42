import { gatherRows } from '../features/select.js';
import { fitBernoulliMixtures } from '../memory/em.js';
import { BinaryMemory } from '../memory/memory.js';
import { StreamingBmm } from '../memory/online-em.js';
import { STREAM_DEFAULTS } from '../cil/scenario.js';
import { GbmError } from '../util/errors.js';
import { LinearReplayMethod, type ReplayMemory } from './linear-method.js';
import { rowsByClass, type MethodContext, type MethodSpec, type StepData } from '../cil/method.js';

/** Rows of each class of a step, as 0/1 bytes per class (what EM takes). */
export function codesByClass(d: StepData): Uint8Array[] {
  return rowsByClass(d).map((rows) => gatherRows(d.x, d.dim, rows, new Uint8Array(rows.length * d.dim)));
}

/** GBM's memory: one Bernoulli mixture per class, fitted by EM on the class's codes, sampled for pseudo-replay. */
class BmmReplayMemory implements ReplayMemory {
  readonly store: BinaryMemory;

  constructor(private readonly ctx: MethodContext) {
    const m = ctx.config.memory;
    this.store = new BinaryMemory(ctx.dim, m.em.K, m.muBits, m.em.eps);
  }

  async add(d: StepData, seed: number) {
    // All classes of the step in one batched EM.
    const em = await fitBernoulliMixtures({ codes: codesByClass(d), dim: d.dim }, this.ctx.config.memory.em, seed);
    const K = this.ctx.config.memory.em.K;
    const D = d.dim;
    d.newClasses.forEach((p, i) => this.store.add(p, em.mu.subarray(i * K * D, (i + 1) * K * D), em.pi.subarray(i * K, (i + 1) * K)));
    return { emIterations: em.iterations, emLogLikelihood: em.finalLogLik.reduce((a, b) => a + b, 0) / em.finalLogLik.length, emReseeds: em.reseeds.length };
  }

  /** Online: one StreamingBmm per new class learns from the stream; finish() stores its mixture like EM's. */
  stream(d: StepData, seed: number) {
    const { memory, scenario } = this.ctx.config;
    const s = { ...STREAM_DEFAULTS, ...scenario.stream };
    const models = new Map(
      d.newClasses.map((p, i) => [p, new StreamingBmm(d.dim, { K: memory.em.K, eps: memory.em.eps, variant: s.em, alpha: s.alpha }, seed + i)] as const),
    );
    return {
      update: (rows: Int32Array) => {
        // The batch's rows grouped by class in one pass (not one scan of the batch per class of the step).
        const byClass = new Map<number, number[]>();
        for (const r of rows) byClass.set(d.y[r], [...(byClass.get(d.y[r]) ?? []), r]);
        for (const [p, mine] of byClass) models.get(p)!.update(gatherRows(d.x, d.dim, mine, new Uint8Array(mine.length * d.dim)));
      },
      finish: () => {
        for (const [p, model] of models) {
          if (model.seen === 0) throw new GbmError(`class position ${p} had no image in the stream.`, 'give every class at least one training image.');
          this.store.add(p, model.mu(), model.pi());
        }
        const state = [...models.values()].reduce((a, m) => a + m.stateBits(), 0);
        // Bits of one class's learning state (the formula in online-em.ts), averaged over the step's classes.
        return { streamStateBits: state / models.size };
      },
    };
  }

  sample = (labels: Int32Array, seed: number) => this.store.sampleCodes(labels, seed);
  bits = () => this.store.sizeInBits();
  save(dir: string) {
    this.store.save(dir);
  }
  dispose() {
    this.store.dispose();
  }
}

const GBM_REFERENCE =
  'Basso-Bert et al., "Generative Binary Memory: Pseudo-Replay Class-Incremental Learning on Binarized Embeddings", arXiv 2503.10333 (2025); docs/method.md';

/** GBM: a BMM per class over binary codes, and a linear G retrained on real new codes + pseudo-exemplars (Equation 4). */
export const GBM_METHOD: MethodSpec = {
  name: 'gbm',
  description: 'Generative Binary Memory: K-component Bernoulli mixture per class, pseudo-replay into a linear G',
  reference: GBM_REFERENCE,
  input: 'codes',
  usesClassifier: true,
  usesBmm: true,
  online: true,
  options: {},
  create: (ctx) => new LinearReplayMethod(ctx, new BmmReplayMemory(ctx)),
};

/** GBM with one prototype per class: the "+1 frequency" prototype method GBM extends (paper, Fig. 1b). */
export const GBM_K1_METHOD: MethodSpec = {
  ...GBM_METHOD,
  name: 'gbm-k1',
  description: 'GBM with K = 1: one frequency prototype per class (the single-prototype method GBM extends)',
  reference: `${GBM_REFERENCE}, Fig. 1b (K = 1 reduces the BMM to the class's bit frequencies)`,
  pins: { 'memory.em.K': 1 },
};
