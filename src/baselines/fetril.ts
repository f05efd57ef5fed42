import { LinearReplayMethod, type ReplayMemory } from '../cil/linear-method.js';
import { rowsByClass, type MethodContext, type MethodSpec, type StepData } from '../cil/method.js';
import { MT19937 } from '../util/mt19937.js';
import { l2normalize, meanOfRows } from './stats.js';

/**
 * FeTrIL's memory: one mean per class. Rows of an old class c are made from a real row x of a new class n
 * by translation, x + mu_c - mu_n, n being the new class whose mean is most similar (cosine) to c's, or one
 * at random.
 */
class TranslationMemory implements ReplayMemory {
  private readonly means = new Map<number, Float64Array>();
  private step: { d: StepData; rows: Int32Array[]; pair: Map<number, number> } | null = null;

  constructor(private readonly ctx: MethodContext) {}

  async add(d: StepData, seed: number) {
    const rows = rowsByClass(d);
    const newMeans = rows.map((r) => meanOfRows(d.x, d.dim, r));
    const rng = new MT19937(seed);
    const pair = new Map<number, number>();
    const unitNew = newMeans.map(l2normalize);
    for (const c of d.oldClasses) {
      let best = 0;
      if (this.ctx.config.method.options.pairing === 'random') best = rng.interval(rows.length - 1);
      else {
        const u = l2normalize(this.means.get(c)!);
        let bestSim = -Infinity;
        unitNew.forEach((v, i) => {
          let s = 0;
          for (let k = 0; k < v.length; k++) s += u[k] * v[k];
          if (s > bestSim) { bestSim = s; best = i; }
        });
      }
      pair.set(c, best);
    }
    newMeans.forEach((m, i) => this.means.set(d.newClasses[i], m));
    this.step = { d, rows, pair };
    return {};
  }

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

  bits = () => this.means.size * this.ctx.dim * 32;
}

/** FeTrIL baseline. */
export const FETRIL_METHOD: MethodSpec = {
  name: 'fetril',
  description: 'FeTrIL: pseudo-features of old classes by translating new-class features by the difference of class means',
  reference: 'Petit et al., "FeTrIL: Feature Translation for Exemplar-Free Class-Incremental Learning", WACV 2023. Here with the same linear G and Equation-4 batches as GBM (the paper\'s FC-head variant; it also reports a LinearSVC head).',
  input: 'features',
  usesClassifier: true,
  usesBmm: false,
  options: {
    pairing: { default: 'similar', help: 'new class each old class is translated from: similar (cosine of means, FeTrIL^1) | random', choices: ['similar', 'random'] },
  },
  create: (ctx) => new LinearReplayMethod(ctx, new TranslationMemory(ctx)),
};
