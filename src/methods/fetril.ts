import { tf } from '../backend/tf.js';
import { LinearReplayMethod, type ReplayMemory } from './linear-method.js';
import { rowsByClass, type CilMethod, type MethodContext, type MethodSpec, type StepData, type StepStats } from '../cil/method.js';
import { fitLinearSvm, predictLinearSvm, SVM_DEFAULTS, type LinearSvm } from '../classifier/svm.js';
import { MT19937 } from '../util/mt19937.js';
import { l2normalize, meanOfRows } from './stats.js';

/** How an old class picks the new class its pseudo-features are translated from. */
export type FetrilPairing = 'euclidean' | 'cosine' | 'random';

/**
 * For every old class, the index (in newMeans) of the new class it is paired with: the nearest mean by Euclidean
 * distance (FeTrIL's code: sklearn pairwise_distances, argmin), the most similar by cosine, or one at random.
 */
export function pairOldToNew(oldMeans: Float64Array[], newMeans: Float64Array[], pairing: FetrilPairing, rng: MT19937): number[] {
  const unitNew = pairing === 'cosine' ? newMeans.map(l2normalize) : newMeans;
  return oldMeans.map((m) => {
    if (pairing === 'random') return rng.interval(newMeans.length - 1);
    const u = pairing === 'cosine' ? l2normalize(m) : m;
    let best = 0;
    let bestScore = Infinity;
    unitNew.forEach((v, i) => {
      let s = 0;
      if (pairing === 'cosine') for (let k = 0; k < v.length; k++) s -= u[k] * v[k];
      else for (let k = 0; k < v.length; k++) s += (u[k] - v[k]) ** 2;
      if (s < bestScore) {
        bestScore = s;
        best = i;
      }
    });
    return best;
  });
}

/** State shared by both heads: one mean per class, and this step's pairing of old classes to new ones. */
class TranslationMemory implements ReplayMemory {
  readonly means = new Map<number, Float64Array>();
  step: { d: StepData; rows: Int32Array[]; pair: Map<number, number> } | null = null;

  constructor(private readonly ctx: MethodContext) {}

  async add(d: StepData, seed: number) {
    const rows = rowsByClass(d);
    const newMeans = rows.map((r) => meanOfRows(d.x, d.dim, r));
    const pairs = pairOldToNew(
      d.oldClasses.map((c) => this.means.get(c)!),
      newMeans,
      this.ctx.config.method.options.pairing as FetrilPairing,
      new MT19937(seed),
    );
    const pair = new Map(d.oldClasses.map((c, i) => [c, pairs[i]] as const));
    newMeans.forEach((m, i) => this.means.set(d.newClasses[i], m));
    this.step = { d, rows, pair };
    return {};
  }

  /** FC head: rows of old class c are random rows x of its paired new class n, translated: x + mu_c - mu_n. */
  sample = (labels: Int32Array, seed: number) => {
    const { d, rows, pair } = this.step!;
    const D = d.dim;
    const rng = new MT19937(seed);
    const out = new Float32Array(labels.length * D);
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i];
      const n = pair.get(c)!;
      const src = rows[n][rng.interval(rows[n].length - 1)];
      const muC = this.means.get(c)!;
      const muN = this.means.get(d.newClasses[n])!;
      for (let k = 0; k < D; k++) out[i * D + k] = d.x[src * D + k] + muC[k] - muN[k];
    }
    return out;
  };

  /**
   * SVM head: the step's whole training set as FeTrIL's compute_distances.py writes it: every new class's rows,
   * and for every old class all rows of its paired new class, translated; each row then L2-normalised.
   */
  translatedSet(): { x: Float32Array; y: Int32Array; n: number } {
    const { d, rows, pair } = this.step!;
    const D = d.dim;
    const parts: Array<[number, number]> = d.newClasses.map((c, i) => [c, i]);
    for (const c of d.oldClasses) parts.push([c, pair.get(c)!]);
    const n = parts.reduce((s, [, i]) => s + rows[i].length, 0);
    const x = new Float32Array(n * D);
    const y = new Int32Array(n);
    let o = 0;
    const row = new Float64Array(D);
    for (const [c, i] of parts) {
      const muC = this.means.get(c)!;
      const muN = this.means.get(d.newClasses[i])!;
      for (const src of rows[i]) {
        let ss = 0;
        for (let k = 0; k < D; k++) {
          row[k] = d.x[src * D + k] + muC[k] - muN[k];
          ss += row[k] * row[k];
        }
        const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
        for (let k = 0; k < D; k++) x[o * D + k] = row[k] * inv;
        y[o++] = c;
      }
    }
    return { x, y, n };
  }

  bits = () => this.means.size * this.ctx.dim * 32;
}

/** FeTrIL with its authors' head: a one-vs-rest LinearSVC on L2-normalised real and translated features, retrained each step. */
class FetrilSvmMethod implements CilMethod {
  private readonly memory: TranslationMemory;
  private svm: LinearSvm | null = null;

  constructor(private readonly ctx: MethodContext) {
    this.memory = new TranslationMemory(ctx);
  }

  async learn(d: StepData): Promise<StepStats> {
    let ts = Date.now();
    await this.memory.add(d, this.ctx.rng.childSeed());
    const set = this.memory.translatedSet();
    const tMemory = (Date.now() - ts) / 1000;
    ts = Date.now();
    const o = this.ctx.config.method.options;
    const solver = o['svm-solver'] === 'dual' ? 'dual' : 'primal';
    const config = { C: Number(o['svm-c']), solver, seed: this.ctx.rng.childSeed() } as const;
    this.svm = await fitLinearSvm(set.x, set.y, d.oldClasses.length + d.newClasses.length, config);
    return { trainLoss: NaN, extra: { svm_iterations: this.svm.iterations }, seconds: { memory: tMemory, train: (Date.now() - ts) / 1000 } };
  }

  async predict(x: tf.Tensor2D): Promise<Int32Array> {
    const xn = tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)) as tf.Tensor2D);
    try {
      return await predictLinearSvm(this.svm!, xn);
    } finally {
      xn.dispose();
    }
  }

  memoryBits(): number {
    return this.memory.bits();
  }

  dispose(): void {}
}

/** FeTrIL baseline. */
export const FETRIL_METHOD: MethodSpec = {
  name: 'fetril',
  description: 'FeTrIL: pseudo-features of old classes by translating new-class features by the difference of class means',
  reference:
    'Petit et al., "FeTrIL: Feature Translation for Exemplar-Free Class-Incremental Learning", WACV 2023; as its official code runs it (GregoirePetit/FeTrIL: Euclidean pairing of class means, a one-vs-rest LinearSVC with C = 1 on L2-normalised features). --head fc trains the kit\'s linear G on Equation-4 batches instead (the paper\'s FC variant).',
  input: 'features',
  usesClassifier: true,
  usesBmm: false,
  options: {
    pairing: {
      default: 'euclidean',
      help: "new class each old class is translated from: euclidean (nearest mean, FeTrIL's code) | cosine | random",
      choices: ['euclidean', 'cosine', 'random'],
    },
    head: {
      default: 'svm',
      help: "classifier: svm (LinearSVC, squared hinge, on L2-normalised features, FeTrIL's code) | fc (the kit's linear G)",
      choices: ['svm', 'fc'],
    },
    'svm-c': { default: SVM_DEFAULTS.C, help: "the SVM head's C (inverse regularisation)", min: 0 },
    'svm-solver': {
      default: SVM_DEFAULTS.solver,
      help: "the SVM head's solver, same objective: primal (FeTrIL's LinearSVC(dual=False): Newton, every class at once on the backend) | dual (coordinate descent, one class at a time on the host; slower)",
      choices: ['primal', 'dual'],
    },
  },
  create: (ctx) => (ctx.config.method.options.head === 'svm' ? new FetrilSvmMethod(ctx) : new LinearReplayMethod(ctx, new TranslationMemory(ctx))),
};
