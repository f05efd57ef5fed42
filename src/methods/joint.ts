import { tf } from '../backend/tf.js';
import { LinearClassifier } from '../classifier/linear.js';
import type { CilMethod, MethodContext, MethodSpec, StepData, StepStats } from '../cil/method.js';
import { trainWithReplay } from '../cil/replay.js';

/** Joint training: G retrained each step on every real row of every class seen so far (the upper bound). */
class JointMethod implements CilMethod {
  private G: LinearClassifier | null = null;
  private readonly xs: Float32Array[] = [];
  private readonly ys: Int32Array[] = [];
  private rows = 0;

  constructor(
    private readonly ctx: MethodContext,
    private readonly bitsPerValue: number,
  ) {}

  async learn(d: StepData): Promise<StepStats> {
    const { config, rng } = this.ctx;
    const seen = d.oldClasses.length + d.newClasses.length;
    if (!this.G) this.G = new LinearClassifier(d.dim, seen, rng.childSeed());
    else this.G.grow(seen, config.classifier.perTask);
    this.xs.push(Float32Array.from(d.x));
    this.ys.push(Int32Array.from(d.y));
    this.rows += d.n;
    const x = new Float32Array(this.rows * d.dim);
    const y = new Int32Array(this.rows);
    let o = 0;
    this.xs.forEach((a, i) => {
      x.set(a, o * d.dim);
      y.set(this.ys[i], o);
      o += this.ys[i].length;
    });
    const ts = Date.now();
    const xt = tf.tensor2d(x, [this.rows, d.dim]);
    try {
      const bar = this.ctx.progress(`step ${d.step} train G (joint)`, config.classifier.epochs);
      const loss = await trainWithReplay(this.G, config.classifier, { x: xt, xHost: x, y, n: this.rows, numClasses: seen }, [], null, rng, bar);
      return { trainLoss: loss, extra: {}, seconds: { memory: 0, train: (Date.now() - ts) / 1000 } };
    } finally {
      xt.dispose();
    }
  }

  predict(x: tf.Tensor2D): Promise<Int32Array> {
    return this.G!.predict(x);
  }

  /** Every row of every earlier class is kept: rows x D' bits for codes, rows x F x 32 for features. */
  memoryBits(): number {
    const last = this.ys.length ? this.ys[this.ys.length - 1].length : 0;
    return (this.rows - last) * this.ctx.dim * this.bitsPerValue;
  }

  dispose(): void {
    this.G?.dispose();
  }
}

/** Joint training on all classes seen so far (upper bound). */
export const JOINT_METHOD: MethodSpec = {
  name: 'joint',
  description: 'retrain G on all real codes of every class seen so far (upper bound, keeps all data)',
  reference: 'The standard upper bound of class-incremental learning (PyCIL "Joint"). Same codes, classifier and epochs as GBM.',
  input: 'codes',
  usesClassifier: true,
  usesBmm: false,
  options: {},
  create: (ctx) => new JointMethod(ctx, 1),
};

/** Joint training on the real features (the upper bound of the feature-based baselines). */
export const JOINT_REAL_METHOD: MethodSpec = {
  ...JOINT_METHOD,
  name: 'joint-real',
  description: 'retrain G on all real features of every class seen so far (upper bound of the feature-based methods)',
  input: 'features',
  create: (ctx) => new JointMethod(ctx, 32),
};
