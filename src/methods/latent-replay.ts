import { LinearReplayMethod, type ReplayMemory } from './linear-method.js';
import { rowsByClass, type MethodContext, type MethodSpec, type StepData } from '../cil/method.js';
import { gatherRows } from '../features/select.js';
import { MT19937 } from '../util/mt19937.js';
import { herdingSelect } from './herding.js';

/** Stored exemplars per class (E rows, picked at random or by herding), replayed by drawing among them. */
class ExemplarMemory implements ReplayMemory {
  private readonly rows = new Map<number, Float32Array>();
  private readonly E: number;
  private readonly selection: string;

  constructor(
    private readonly ctx: MethodContext,
    private readonly bitsPerValue: number,
  ) {
    this.E = Number(ctx.config.method.options.exemplars);
    this.selection = String(ctx.config.method.options.selection);
  }

  async add(d: StepData, seed: number) {
    const rng = new MT19937(seed);
    rowsByClass(d).forEach((rows, i) => {
      let pick: ArrayLike<number>;
      if (this.selection === 'herding') {
        const local = herdingSelect(gatherRows(d.x, d.dim, rows), rows.length, d.dim, this.E);
        pick = Array.from(local, (j) => rows[j]);
      } else {
        const order = Int32Array.from(rows);
        rng.shuffle(order);
        pick = order.subarray(0, Math.min(this.E, order.length));
      }
      this.rows.set(d.newClasses[i], gatherRows(d.x, d.dim, pick));
    });
    return {};
  }

  /** Each requested old class gets one of its stored exemplars, uniformly. */
  sample = (labels: Int32Array, seed: number) => {
    const rng = new MT19937(seed);
    const D = this.ctx.dim;
    const out = new Float32Array(labels.length * D);
    for (let i = 0; i < labels.length; i++) {
      const ex = this.rows.get(labels[i]);
      if (!ex) throw new Error(`class ${labels[i]} has no stored exemplars`);
      const j = rng.interval(ex.length / D - 1);
      out.set(ex.subarray(j * D, (j + 1) * D), i * D);
    }
    return out;
  };

  /** E x D' bits per class for codes, E x F x 32 for real features (method.md's accounting). */
  bits = () => {
    let rows = 0;
    for (const r of this.rows.values()) rows += r.length / this.ctx.dim;
    return rows * this.ctx.dim * this.bitsPerValue;
  };
}

const OPTIONS: MethodSpec['options'] = {
  exemplars: { default: 20, help: "E: exemplars stored per class (PyCIL's fixed memory per class is 20)", min: 1, integer: true },
  selection: { default: 'herding', help: 'how exemplars are picked: herding (iCaRL) | random', choices: ['herding', 'random'] },
};

const REFERENCE =
  'Latent replay (Pellegrini et al., IROS 2020) of stored embeddings, exemplars chosen by iCaRL herding (Rebuffi et al., CVPR 2017) or at random; G trained exactly as GBM trains it (Equation-4 batches).';

/** Latent replay of E stored binary codes per class. */
export const REPLAY_BINARY_METHOD: MethodSpec = {
  name: 'replay-binary',
  description: "latent replay of E stored binary codes per class (E x D' bits per class)",
  reference: REFERENCE,
  input: 'codes',
  usesClassifier: true,
  usesBmm: false,
  options: OPTIONS,
  create: (ctx) => new LinearReplayMethod(ctx, new ExemplarMemory(ctx, 1)),
};

/** Latent replay of E stored real (float32) features per class. */
export const REPLAY_REAL_METHOD: MethodSpec = {
  ...REPLAY_BINARY_METHOD,
  name: 'replay-real',
  description: 'latent replay of E stored real features per class (E x F x 32 bits per class)',
  input: 'features',
  create: (ctx) => new LinearReplayMethod(ctx, new ExemplarMemory(ctx, 32)),
};
