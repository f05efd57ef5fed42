import { fitBernoulliMixtures } from '../memory/em.js';
import { meanLogLikelihood, StreamingBmm, type OnlineEmConfig } from '../memory/online-em.js';
import { gatherRows } from '../features/select.js';
import { MT19937 } from '../util/mt19937.js';

/** One class's rows of a code matrix [n x D] (0/1 floats) as 0/1 bytes: what EM and the stream take. */
export function codesOfClass(codes: Float32Array, labels: ArrayLike<number>, D: number, cls: number): Uint8Array {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
  return gatherRows(codes, D, rows, new Uint8Array(rows.length * D));
}

/** How well each streaming variant explains held-out codes as the stream goes on, against batch EM on all of it. */
export interface StreamLikelihoodTrace {
  /** Codes seen at each measurement. */
  seen: number[];
  /** Mean held-out log-likelihood per code (nats) at each measurement, per variant. */
  traces: Record<OnlineEmConfig['variant'], number[]>;
  /** Batch EM (the kit's defaults) fitted on the whole training stream, on the same held-out codes. */
  batchEm: number;
}

/**
 * Stream one class's training codes once, in a seeded order and mini-batches of `batch`, through the float and the
 * integer StreamingBmm, measuring the held-out log-likelihood every `every` batches; batch EM on all the training
 * codes is the reference the stream should approach.
 */
export async function streamLikelihoodTrace(
  train: Uint8Array,
  heldOut: Uint8Array,
  D: number,
  o: { K: number; batch: number; every: number; seed: number; alpha?: number },
): Promise<StreamLikelihoodTrace> {
  const n = train.length / D;
  const m = heldOut.length / D;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new MT19937(o.seed).shuffle(order);
  const models = {
    float: new StreamingBmm(D, { K: o.K, variant: 'float', ...(o.alpha ? { alpha: o.alpha } : {}) }, o.seed),
    integer: new StreamingBmm(D, { K: o.K, variant: 'integer' }, o.seed),
  };
  const out: StreamLikelihoodTrace = { seen: [], traces: { float: [], integer: [] }, batchEm: Number.NaN };
  let b = 0;
  for (let s = 0; s < n; s += o.batch, b++) {
    const rows = order.subarray(s, Math.min(n, s + o.batch));
    const codes = gatherRows(train, D, rows, new Uint8Array(rows.length * D));
    for (const model of Object.values(models)) model.update(codes);
    if ((b + 1) % o.every === 0 || s + o.batch >= n) {
      out.seen.push(Math.min(n, s + o.batch));
      for (const [k, model] of Object.entries(models))
        out.traces[k as OnlineEmConfig['variant']].push(meanLogLikelihood(heldOut, m, D, model.mu(), model.pi(), o.K));
    }
  }
  const em = await fitBernoulliMixtures({ codes: [train], dim: D }, { K: o.K }, o.seed);
  out.batchEm = meanLogLikelihood(heldOut, m, D, em.mu, em.pi, o.K);
  return out;
}
