import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';

/**
 * Options of streaming EM for one class's Bernoulli mixture, learned from mini-batches seen once (issue: online GBM).
 * Every choice is named here, with its default in ONLINE_EM_DEFAULTS.
 */
export interface OnlineEmConfig {
  /** Components (prototypes) per class. */
  K: number;
  /**
   * 'float': stepwise EM (Cappé & Moulines 2009; Liang & Klein 2009): running expected sufficient statistics,
   * interpolated towards each mini-batch's with step size (t + 2)^-alpha. 'integer': hard assignments and integer
   * counts (each code joins its most likely component; the memory is counters, no floats stored).
   */
  variant: 'float' | 'integer';
  /** Step-size exponent alpha in (0.5, 1] of the float variant (1 = a running average: slow to forget the start). */
  alpha: number;
  /** Beta(a, b) prior on every mu_kd (MAP M-step: (count + a - 1) / (n_k + a + b - 2)); a = b = 1 is none. */
  priorA: number;
  priorB: number;
  /** mu is clamped to [eps, 1 - eps] (as batch EM does). */
  eps: number;
  /** First mini-batch: mu = its centroid + uniform noise in [-perturbation, perturbation] (as batch EM starts). */
  perturbation: number;
}

/**
 * Defaults: K = 8 (batch GBM's); alpha = 0.6, inside Liang and Klein's recommended 0.5-0.7; a Beta(2, 2) prior
 * (Laplace's add-one on each bit), which keeps a component fed by a few codes away from 0 and 1 and fades as it
 * sees more.
 */
export const ONLINE_EM_DEFAULTS: OnlineEmConfig = { K: 8, variant: 'float', alpha: 0.6, priorA: 2, priorB: 2, eps: 1e-3, perturbation: 0.05 };

/** Check streaming EM options with errors that say the fix. */
export function checkOnlineEmConfig(c: OnlineEmConfig): void {
  if (!Number.isInteger(c.K) || c.K < 1) throw new GbmError(`K = ${c.K} components: must be an integer >= 1.`, 'use e.g. --K 8.');
  if (c.variant !== 'float' && c.variant !== 'integer') throw new GbmError(`online EM variant "${c.variant}" is not known.`, 'use float or integer.');
  if (!(c.alpha > 0.5 && c.alpha <= 1)) throw new GbmError(`online EM alpha = ${c.alpha} must be in (0.5, 1].`, 'use e.g. 0.6.');
  if (!(c.priorA >= 1 && c.priorB >= 1)) throw new GbmError(`the Beta prior (${c.priorA}, ${c.priorB}) needs a, b >= 1.`, 'use 2, 2 (add-one) or 1, 1 (none).');
  if (!(c.eps > 0 && c.eps < 0.5)) throw new GbmError(`online EM eps = ${c.eps} must be in (0, 0.5).`, 'use e.g. 1e-3.');
}

/**
 * One class's Bernoulli mixture learned from a stream: each `update(batch)` is one E-step on the batch and one
 * M-step from the running statistics, so memory and work per batch do not grow with what was seen. `mu()` and
 * `pi()` are the mixture GBM's memory stores and samples from, as after batch EM.
 */
export class StreamingBmm {
  readonly cfg: OnlineEmConfig;
  /** Float variant: running expected responsibility per component (sums to 1) and responsibility-weighted bit means. */
  readonly s0: Float32Array;
  readonly s1: Float32Array;
  /** Integer variant: codes per component and, per component and bit, the codes with that bit on. */
  readonly nk: Uint32Array;
  readonly ck: Uint32Array;
  /** Codes seen, and mini-batches seen. */
  seen = 0;
  updates = 0;
  private muCache: Float64Array | null = null;

  constructor(
    readonly dim: number,
    config: Partial<OnlineEmConfig> = {},
    readonly seed = 0,
  ) {
    this.cfg = { ...ONLINE_EM_DEFAULTS, ...config };
    checkOnlineEmConfig(this.cfg);
    const { K } = this.cfg;
    const float = this.cfg.variant === 'float';
    this.s0 = new Float32Array(float ? K : 0);
    this.s1 = new Float32Array(float ? K * dim : 0);
    this.nk = new Uint32Array(float ? 0 : K);
    this.ck = new Uint32Array(float ? 0 : K * dim);
  }

  /** Mixing weights (float: the running responsibility shares; integer: (n_k + 1) / (n + K)). */
  pi(): Float32Array {
    const { K } = this.cfg;
    if (this.cfg.variant === 'float') return Float32Array.from(this.s0);
    return Float32Array.from(this.nk, (n) => (n + 1) / (this.seen + K));
  }

  /** Prototypes [K x D]: the MAP estimate under the Beta prior, clamped to [eps, 1 - eps]. */
  mu(): Float32Array {
    return Float32Array.from(this.mu64());
  }

  private mu64(): Float64Array {
    if (this.muCache) return this.muCache;
    const { K, priorA: a, priorB: b, eps } = this.cfg;
    const D = this.dim;
    const out = new Float64Array(K * D);
    for (let k = 0; k < K; k++) {
      // Expected counts: float variant n * s, integer variant the counters themselves.
      const nk = this.cfg.variant === 'float' ? this.seen * this.s0[k] : this.nk[k];
      for (let d = 0; d < D; d++) {
        const c = this.cfg.variant === 'float' ? this.seen * this.s1[k * D + d] : this.ck[k * D + d];
        const m = (c + a - 1) / (nk + a + b - 2);
        out[k * D + d] = Math.min(1 - eps, Math.max(eps, Number.isFinite(m) ? m : 0.5));
      }
    }
    this.muCache = out;
    return out;
  }

  /** Bits the learning state occupies (what a device would keep while learning): the formula of memoryBits(). */
  stateBits(): number {
    return onlineStateBits(this.cfg.K, this.dim, this.cfg.variant, this.seen);
  }

  /** First batch: prototypes at its centroid plus seeded noise, uniform weights (batch EM's start). */
  private start(codes: ArrayLike<number>, m: number): Float64Array {
    const { K, eps, perturbation } = this.cfg;
    const D = this.dim;
    const rng = new MT19937(this.seed);
    const centroid = new Float64Array(D);
    for (let i = 0; i < m; i++) for (let d = 0; d < D; d++) centroid[d] += codes[i * D + d];
    const mu = new Float64Array(K * D);
    for (let k = 0; k < K; k++)
      for (let d = 0; d < D; d++) mu[k * D + d] = Math.min(1 - eps, Math.max(eps, centroid[d] / m + (K > 1 ? (2 * rng.random() - 1) * perturbation : 0)));
    return mu;
  }

  /**
   * Learn from one mini-batch of this class's codes (row-major [m x D] of 0/1), seen once: E-step under the current
   * mixture, then the running statistics move towards the batch's (float) or the counters add it (integer).
   */
  update(codes: ArrayLike<number>, m = codes.length / this.dim): void {
    if (!Number.isInteger(m) || m < 1) throw new GbmError(`a mini-batch of ${codes.length} values is not whole codes of ${this.dim} bits.`, 'pass m x D bits.');
    const { K } = this.cfg;
    const D = this.dim;
    const first = this.updates === 0;
    const mu = first ? this.start(codes, m) : this.mu64();
    const pi = first ? new Float64Array(K).fill(1 / K) : Float64Array.from(this.pi());
    if (first && this.cfg.variant === 'float') {
      // Statistics of the starting mixture (weights 1/K, prototypes mu): what the first step moves away from.
      this.s0.fill(1 / K);
      for (let j = 0; j < K * D; j++) this.s1[j] = mu[j] / K;
    }
    const gamma = responsibilities(codes, m, D, mu, pi, K);
    if (this.cfg.variant === 'float') {
      // Liang and Klein's step size: after t updates, eta = (t + 2)^-alpha (0.66 for the first at alpha = 0.6).
      const eta = (this.updates + 2) ** -this.cfg.alpha;
      const b0 = new Float64Array(K);
      const b1 = new Float64Array(K * D);
      for (let i = 0; i < m; i++)
        for (let k = 0; k < K; k++) {
          const g = gamma[i * K + k] / m;
          if (g === 0) continue;
          b0[k] += g;
          for (let d = 0; d < D; d++) if (codes[i * D + d]) b1[k * D + d] += g;
        }
      for (let k = 0; k < K; k++) this.s0[k] = (1 - eta) * this.s0[k] + eta * b0[k];
      for (let j = 0; j < K * D; j++) this.s1[j] = (1 - eta) * this.s1[j] + eta * b1[j];
    } else {
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (gamma[i * K + k] > gamma[i * K + best]) best = k;
        this.nk[best]++;
        for (let d = 0; d < D; d++) if (codes[i * D + d]) this.ck[best * D + d]++;
      }
    }
    this.seen += m;
    this.updates++;
    this.muCache = null;
  }
}

/** Posterior responsibilities gamma [m x K] of every code under a mixture (float64, log domain). */
function responsibilities(codes: ArrayLike<number>, m: number, D: number, mu: Float64Array, pi: Float64Array, K: number): Float64Array {
  const logOdds = new Float64Array(K * D);
  const bias = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = Math.log(Math.max(pi[k], 1e-300));
    for (let d = 0; d < D; d++) {
      const p = mu[k * D + d];
      logOdds[k * D + d] = Math.log(p) - Math.log1p(-p);
      s += Math.log1p(-p);
    }
    bias[k] = s;
  }
  const out = new Float64Array(m * K);
  for (let i = 0; i < m; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = bias[k];
      for (let d = 0; d < D; d++) if (codes[i * D + d]) s += logOdds[k * D + d];
      out[i * K + k] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(out[i * K + k] - max);
    for (let k = 0; k < K; k++) out[i * K + k] = Math.exp(out[i * K + k] - max) / z;
  }
  return out;
}

/**
 * Bits of one class's streaming-EM state. Float: K running responsibilities and K x D weighted bit means as float32,
 * plus two 32-bit counters (codes and batches seen): 32 K (D + 1) + 64. Integer: K (D + 1) counters, each as wide as
 * the class's code count needs (ceil(log2(n + 1)) bits, at least 1), plus one such counter for n.
 */
export function onlineStateBits(K: number, D: number, variant: OnlineEmConfig['variant'], seen: number): number {
  if (variant === 'float') return 32 * K * (D + 1) + 64;
  const w = Math.max(1, Math.ceil(Math.log2(seen + 1)));
  return w * (K * (D + 1) + 1);
}

/** Mean log-likelihood per code of codes under a mixture (float64): how well a memory explains a class. */
export function meanLogLikelihood(codes: ArrayLike<number>, n: number, D: number, mu: ArrayLike<number>, pi: ArrayLike<number>, K: number): number {
  const lm = Float64Array.from(mu, (p) => Math.log(p));
  const l1m = Float64Array.from(mu, (p) => Math.log1p(-p));
  let total = 0;
  const lp = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = Math.log(Math.max(pi[k], 1e-300));
      for (let d = 0; d < D; d++) s += codes[i * D + d] ? lm[k * D + d] : l1m[k * D + d];
      lp[k] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(lp[k] - max);
    total += max + Math.log(z);
  }
  return total / n;
}
