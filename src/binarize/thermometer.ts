import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { BINARIZER_DEFAULTS, type Binarizer, type BinarizerSpec, type ThermometerConfig } from './binarizer.js';
import { thermometerSTE } from './ste.js';

/** The k-th smallest value of v (0-based), by quickselect; reorders v. */
function kthSmallest(v: Float32Array, k: number): number {
  let lo = 0;
  let hi = v.length - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

/** The q-th percentile (nearest rank) of each column of a row-major [n x d] matrix, or of all values for scope 'global'. */
export function columnPercentiles(x: Float32Array, n: number, d: number, q: number, scope: 'per-dim' | 'global'): Float32Array {
  const rank = (len: number) => Math.min(len - 1, Math.max(0, Math.ceil((q / 100) * len) - 1));
  if (scope === 'global') return new Float32Array(d).fill(kthSmallest(Float32Array.from(x), rank(x.length)));
  const out = new Float32Array(d);
  const col = new Float32Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = x[i * d + j];
    out[j] = kthSmallest(col, rank(n));
  }
  return out;
}

/**
 * Thermometer binarizer (GBM_T): clip each feature to [0, c_d], compare with thresholds c_d * j / (p + 1),
 * j = 1..p; the count of ones in a feature's p bits is its level. c is a percentile of base-task features.
 */
export class ThermometerBinarizer implements Binarizer {
  readonly codeLength: number;
  private readonly c: tf.Tensor1D;

  constructor(
    readonly config: ThermometerConfig,
    readonly range: Float32Array,
  ) {
    checkThermometerConfig(config);
    // A dimension that never fires on the base task gets c = 1e-6: its bits stay 0 unless it fires later.
    this.c = tf.tensor1d(range.map((v) => Math.max(v, 1e-6)));
    this.codeLength = range.length * config.levels;
  }

  get inputDim(): number {
    return this.range.length;
  }

  encode(features: tf.Tensor2D): tf.Tensor2D {
    return thermometerSTE(features, this.c, this.config.levels);
  }

  encodeHost(features: Float32Array, n: number): Float32Array {
    const F = this.range.length;
    const p = this.config.levels;
    // The thresholds as thermometerSTE forms them in float32: c_d * (j / (p + 1)).
    const c = this.range.map((v) => Math.max(v, 1e-6));
    const theta = new Float32Array(F * p);
    for (let d = 0; d < F; d++) for (let j = 0; j < p; j++) theta[d * p + j] = Math.fround(c[d] * Math.fround((j + 1) / (p + 1)));
    const out = new Float32Array(n * F * p);
    for (let i = 0; i < n; i++)
      for (let d = 0; d < F; d++) {
        const v = features[i * F + d];
        const clipped = v > 0 ? Math.min(v, c[d]) : 0;
        const o = (i * F + d) * p;
        for (let j = 0; j < p; j++) out[o + j] = +(clipped > theta[d * p + j]);
      }
    return out;
  }

  state(): Record<string, unknown> {
    return { kind: 'thermometer', levels: this.config.levels, percentile: this.config.percentile, scope: this.config.scope, range: Array.from(this.range) };
  }

  dispose(): void {
    this.c.dispose();
  }
}

/** Check thermometer options (p >= 1, percentile in (0, 100]) with errors that say the fix. */
export function checkThermometerConfig(config: ThermometerConfig): void {
  if (!Number.isInteger(config.levels) || config.levels < 1)
    throw new GbmError(`thermometer levels p = ${config.levels} must be an integer >= 1.`, "use --levels 1 (the paper's best) or more.");
  if (!(config.percentile > 0 && config.percentile <= 100))
    throw new GbmError(`thermometer percentile ${config.percentile} must be in (0, 100].`, 'use e.g. 95.');
  if (config.scope !== 'per-dim' && config.scope !== 'global')
    throw new GbmError(`thermometer scope "${config.scope}" is not known.`, 'use per-dim or global.');
}

/** Calibrate a thermometer's ranges on base-task features [n x d]. */
export function fitThermometer(config: ThermometerConfig, features: Float32Array, n: number, d: number): ThermometerBinarizer {
  return new ThermometerBinarizer(config, columnPercentiles(features, n, d, config.percentile, config.scope));
}

const THERMO = BINARIZER_DEFAULTS.thermometer;

/** GBM_T as a registered binarizer: p levels per feature over a range calibrated on the base task. */
export const THERMOMETER_BINARIZER: BinarizerSpec = {
  kind: 'thermometer',
  description: 'thermometer code (GBM_T): p bits per feature over [0, c], c a percentile of base-task features',
  options: {
    levels: { default: THERMO.levels, help: 'thermometer levels p per feature', integer: true },
    percentile: { default: THERMO.percentile, help: 'thermometer range c = this percentile of base features' },
    scope: { default: THERMO.scope, help: 'thermometer range per-dim | global', choices: ['per-dim', 'global'] },
  },
  defaults: THERMO,
  check: (c) => checkThermometerConfig(c as ThermometerConfig),
  fit: async (c, d) => fitThermometer(c as ThermometerConfig, d.features, d.n, d.dim),
  tag: (c) => `thermo-p${c.levels}`,
};
