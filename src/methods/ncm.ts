import { tf } from '../backend/tf.js';
import { rowsByClass, type CilMethod, type MethodContext, type MethodSpec, type StepData, type StepStats } from '../cil/method.js';
import { l2normalize, meanOfRows } from './stats.js';

/** Class means by class position, as a [C x dim] float32 matrix (positions 0..C-1 must all be present). */
export function meansMatrix(means: Map<number, Float64Array>, dim: number): Float32Array {
  const m = new Float32Array(means.size * dim);
  for (let c = 0; c < means.size; c++) {
    const v = means.get(c);
    if (!v) throw new Error(`class position ${c} has no mean`);
    m.set(v, c * dim);
  }
  return m;
}

/** Nearest class mean on L2-normalised features (iCaRL's NCM): each class is kept as one mean vector. */
class NcmMethod implements CilMethod {
  private readonly means = new Map<number, Float64Array>();

  constructor(private readonly ctx: MethodContext) {}

  async learn(d: StepData): Promise<StepStats> {
    const ts = Date.now();
    rowsByClass(d).forEach((rows, i) => {
      // Mean of normalised rows, normalised again (iCaRL).
      const unit = new Float32Array(rows.length * d.dim);
      rows.forEach((r, j) => unit.set(l2normalize(d.x.subarray(r * d.dim, (r + 1) * d.dim)), j * d.dim));
      this.means.set(
        d.newClasses[i],
        l2normalize(
          meanOfRows(
            unit,
            d.dim,
            Int32Array.from(rows, (_, j) => j),
          ),
        ),
      );
    });
    return { trainLoss: NaN, extra: {}, seconds: { memory: (Date.now() - ts) / 1000, train: 0 } };
  }

  /** Online: a running sum of normalised rows per class, normalised at the end: the same means as learn(), in any order. */
  async learnStream(d: StepData, batches: Int32Array[]): Promise<StepStats> {
    const ts = Date.now();
    const sums = new Map(d.newClasses.map((c) => [c, new Float64Array(d.dim)] as const));
    for (const rows of batches)
      for (const r of rows) {
        const u = l2normalize(d.x.subarray(r * d.dim, (r + 1) * d.dim));
        const acc = sums.get(d.y[r])!;
        for (let j = 0; j < d.dim; j++) acc[j] += u[j];
      }
    for (const [c, acc] of sums) this.means.set(c, l2normalize(acc));
    return { trainLoss: NaN, extra: {}, seconds: { memory: (Date.now() - ts) / 1000, train: 0 } };
  }

  async predict(x: tf.Tensor2D): Promise<Int32Array> {
    const M = tf.tensor2d(meansMatrix(this.means, this.ctx.dim), [this.means.size, this.ctx.dim]);
    // For unit vectors, the nearest mean is the one with the largest dot product.
    const p = tf.tidy(() => tf.argMax(tf.matMul(tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)), tf.transpose(M)), 1));
    M.dispose();
    const out = (await p.data()) as Int32Array;
    p.dispose();
    return out;
  }

  memoryBits(): number {
    return this.means.size * this.ctx.dim * 32;
  }

  dispose(): void {}
}

/** NCM baseline. */
export const NCM_METHOD: MethodSpec = {
  name: 'ncm',
  description: 'nearest class mean of L2-normalised real features (one F x 32-bit mean per class)',
  reference: 'Nearest-class-mean classifier as in iCaRL (Rebuffi et al., CVPR 2017) and Mensink et al. (TPAMI 2013), on the frozen features.',
  input: 'features',
  usesClassifier: false,
  usesBmm: false,
  online: true,
  options: {},
  create: (ctx) => new NcmMethod(ctx),
};
