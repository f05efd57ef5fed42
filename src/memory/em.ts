import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';
import { BMM_MAX_DIM, BmmKernel } from './bmm-kernel.js';

/** Options of the per-class Bernoulli-mixture EM; every safeguard is a named option (method.md). */
export interface EmConfig {
  /** Components (prototypes) per class. */
  K: number;
  /** At most this many EM iterations. */
  maxIter: number;
  /**
   * Stop when, for every class, the mean log-likelihood per sample changed by less than tol times its magnitude
   * since the previous iteration (a relative test, as reference EM implementations use; 0 = run maxIter).
   */
  tol: number;
  /** Iterations with pi held uniform before it is freed. */
  warmup: number;
  /** mu is clamped to [eps, 1 - eps]. */
  eps: number;
  /** Initial mu = class centroid + uniform noise in [-perturbation, perturbation]. */
  perturbation: number;
  /** A component whose responsibility mass N_k falls below this many samples has collapsed (see reseed). */
  minMass: number;
  /**
   * What happens to a collapsed component: 'none' leaves it (its pi ~ 0, so it is never sampled); 'sample' moves it
   * onto one random code of its class (0.9 z + 0.05); 'worst' onto the mean of the ceil(n / K) codes the mixture
   * explains worst, with mass 1/K (a floor that keeps it from collapsing onto one code again).
   */
  reseed: EmReseed;
}

/** Re-seeding strategies for collapsed components (EmConfig.reseed). */
export type EmReseed = 'none' | 'sample' | 'worst';
export const EM_RESEEDS: readonly EmReseed[] = ['none', 'sample', 'worst'];

/**
 * Defaults of EmConfig, in one place (K = 8 is the paper's sweet spot). tol = 1e-4: on the default run's base step
 * (100 classes of 64-bit codes) EM then stops at iteration 93, 0.008 nats per code below a 300-iteration fit; at 1e-5
 * it needs 206. reseed = 'none': on real codes no component collapses (K = 8 and 32, 3 seeds: the three rules give
 * identical runs), and on planted mixtures fitted with too many components leaving a collapsed one alone keeps the
 * highest likelihood (`npm run bench -- em-safeguards`; README, "EM").
 */
export const EM_DEFAULTS: EmConfig = { K: 8, maxIter: 100, tol: 1e-4, warmup: 5, eps: 1e-3, perturbation: 0.05, minMass: 1, reseed: 'none' };

/** Codes of several classes, each a row-major [n_c x D] 0/1 matrix. */
export interface ClassCodes {
  codes: Uint8Array[] | Float32Array[];
  dim: number;
}

/** Fitted mixtures of all classes, the likelihood trace, and what the safeguards did. */
export interface EmResult {
  /** [C x K x D] row-major. */
  mu: Float32Array;
  /** [C x K]. */
  pi: Float32Array;
  K: number;
  dim: number;
  /** trace[t][c]: class c's mean log-likelihood per sample under the parameters at the start of iteration t. */
  trace: number[][];
  /** Final mean log-likelihood per class. */
  finalLogLik: number[];
  iterations: number;
  converged: boolean;
  /** Re-seeded components: the iteration after which the likelihood may drop once. */
  reseeds: { iteration: number; cls: number; component: number }[];
}

/** Optional starting point (tests compare against a float64 reference from the same start). */
export interface EmInit {
  mu: Float32Array;
  pi: Float32Array;
}

/** Check EM options (K >= 1, eps, iterations) with errors that say the fix. */
export function checkEmConfig(cfg: EmConfig): void {
  if (!Number.isInteger(cfg.K) || cfg.K < 1)
    throw new GbmError(`K = ${cfg.K} components: must be an integer >= 1.`, "use --K 8 (the paper's choice) or any K >= 1.");
  if (!(cfg.eps > 0 && cfg.eps < 0.5)) throw new GbmError(`EM eps = ${cfg.eps} must be in (0, 0.5).`, 'use e.g. 1e-3.');
  if (!Number.isInteger(cfg.maxIter) || cfg.maxIter < 1) throw new GbmError(`EM maxIter = ${cfg.maxIter} must be >= 1.`, 'use e.g. 100.');
  if (!(cfg.tol >= 0)) throw new GbmError(`EM tol = ${cfg.tol} must be >= 0.`, 'use e.g. --em-tol 1e-5 (0 runs every iteration).');
  if (!EM_RESEEDS.includes(cfg.reseed)) throw new GbmError(`EM re-seeding "${cfg.reseed}" is not known.`, `use --em-reseed ${EM_RESEEDS.join(' | ')}.`);
}

function validate(cfg: EmConfig, data: ClassCodes): void {
  checkEmConfig(cfg);
  data.codes.forEach((c, i) => {
    const n = c.length / data.dim;
    if (n < cfg.K) throw new GbmError(`class ${i} has ${n} samples, fewer than K = ${cfg.K} components.`, 'lower K or give every class at least K samples.');
  });
}

/** Centroid + seeded perturbation, clamped; pi uniform. */
function initialise(cfg: EmConfig, data: ClassCodes, rng: MT19937): EmInit {
  const C = data.codes.length;
  const D = data.dim;
  const mu = new Float32Array(C * cfg.K * D);
  for (let c = 0; c < C; c++) {
    const codes = data.codes[c];
    const n = codes.length / D;
    const centroid = new Float64Array(D);
    for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) centroid[d] += codes[i * D + d];
    for (let k = 0; k < cfg.K; k++) {
      for (let d = 0; d < D; d++) {
        const v = centroid[d] / n + (cfg.K > 1 ? (2 * rng.random() - 1) * cfg.perturbation : 0);
        mu[(c * cfg.K + k) * D + d] = Math.min(1 - cfg.eps, Math.max(cfg.eps, v));
      }
    }
  }
  return { mu, pi: new Float32Array(C * cfg.K).fill(1 / cfg.K) };
}

/**
 * How EM runs: 'kernel' in WebAssembly on the host (kernels/bmm.c: each class on its own rows, each code costing its
 * set bits), 'tensor' as batched tensor ops on the active backend (classes padded to the largest; the reference).
 */
export type EmImpl = 'kernel' | 'tensor';

/**
 * The kernel unless a collapsed component is to be re-seeded (the tensor path implements that), a GPU runs the
 * tensors, or codes are longer than the kernel's 16-bit bit indices reach.
 */
export function defaultEmImpl(cfg: EmConfig, dim: number): EmImpl {
  return cfg.reseed === 'none' && tf.getBackend() !== 'webgpu' && dim <= BMM_MAX_DIM ? 'kernel' : 'tensor';
}

/**
 * Fit a K-component Bernoulli mixture to every class's codes at once by EM in the log domain. With the tensor
 * implementation all classes are padded into one [C, N, D] tensor, so an E-step is one batched matMul plus a
 * log-sum-exp, and an M-step one batched matMul (Z^T gamma); the kernel computes the same iteration class by class.
 * Deterministic for a given seed and implementation on a given backend.
 */
export async function fitBernoulliMixtures(data: ClassCodes, config: Partial<EmConfig> = {}, seed = 0, init?: EmInit, impl?: EmImpl): Promise<EmResult> {
  const cfg = { ...EM_DEFAULTS, ...config };
  validate(cfg, data);
  const how = impl ?? defaultEmImpl(cfg, data.dim);
  if (how === 'kernel') {
    if (cfg.reseed !== 'none') throw new Error(`the EM kernel does not re-seed components (reseed ${cfg.reseed}): use the tensor implementation`);
    return fitWithKernel(data, cfg, init ?? initialise(cfg, data, new MT19937(seed)));
  }
  const C = data.codes.length;
  const D = data.dim;
  const K = cfg.K;
  const counts = data.codes.map((c) => c.length / D);
  const N = Math.max(...counts);
  const rng = new MT19937(seed);
  const start = init ?? initialise(cfg, data, rng);

  // Padded codes and a validity mask, built once.
  const zHost = new Float32Array(C * N * D);
  const mHost = new Float32Array(C * N);
  data.codes.forEach((codes, c) => {
    zHost.set(codes, c * N * D);
    mHost.fill(1, c * N, c * N + counts[c]);
  });
  const Z = tf.tensor3d(zHost, [C, N, D]);
  const ZT = tf.transpose(Z, [0, 2, 1]); // [C, D, N], once: the M-step's large operand
  const mask = tf.tensor3d(mHost, [C, N, 1]);
  const nPerClass = tf.tensor2d(counts, [C, 1]);
  let mu = tf.tensor3d(start.mu, [C, K, D]);
  let logPi = tf.log(tf.tensor2d(start.pi, [C, K]));

  // The E-step's shared part: log p(z_i, k) for every code and component, its log-sum-exp over k, and the mean
  // log-likelihood per class (padding masked out). Used by every iteration and for the final likelihood.
  const logLik = (m: tf.Tensor3D, lp: tf.Tensor2D) => {
    const log1m = tf.log1p(tf.neg(m));
    const A = tf.transpose(tf.sub(tf.log(m), log1m), [0, 2, 1]); // [C, D, K]
    const bias = tf.add(tf.sum(log1m, 2), lp).expandDims(1); // [C, 1, K]
    const logp = tf.add(tf.matMul(Z, A), bias); // [C, N, K]
    const lse = tf.logSumExp(logp, 2, true); // [C, N, 1]
    const ll = tf.div(tf.sum(tf.mul(lse, mask), [1, 2]).expandDims(1), nPerClass).squeeze([1]) as tf.Tensor1D; // [C]
    return { logp, lse, ll };
  };

  const trace: number[][] = [];
  const reseeds: EmResult['reseeds'] = [];
  let converged = false;
  let iter = 0;
  for (; iter < cfg.maxIter; iter++) {
    const freePi = iter >= cfg.warmup;
    const [ll, nk, newMu, newLogPi] = tf.tidy(() => {
      const { logp, lse, ll } = logLik(mu, logPi);
      const gamma = tf.mul(tf.exp(tf.sub(logp, lse)), mask); // [C, N, K]
      const nk = tf.sum(gamma, 1); // [C, K]
      // sum_i gamma_ik z_i as Z^T gamma: the small gamma is the right operand (the fast layout on wasm).
      const sums = tf.transpose(tf.matMul(ZT, gamma), [0, 2, 1]); // [C, K, D]
      const newMu = tf.clipByValue(tf.div(sums, tf.maximum(nk, 1e-12).expandDims(2)), cfg.eps, 1 - cfg.eps);
      const newLogPi = freePi ? tf.log(tf.maximum(tf.div(nk, nPerClass), 1e-30)) : logPi.clone();
      return [ll, nk, newMu, newLogPi];
    });
    const [llData, nkv] = await Promise.all([ll.data(), nk.data()]);
    const llv = Array.from(llData);
    tf.dispose([ll, nk, mu, logPi]);
    mu = newMu as tf.Tensor3D;
    logPi = newLogPi as tf.Tensor2D;
    trace.push(llv);
    const prev = trace.length > 1 ? trace[trace.length - 2] : null;
    const reseededLast = reseeds.some((r) => r.iteration === iter - 1);
    if (prev && !reseededLast && iter > cfg.warmup && llv.every((v, c) => Math.abs(v - prev[c]) < cfg.tol * Math.abs(prev[c]))) {
      converged = true;
      break;
    }
    // Safeguard: re-seed a component holding less than minMass samples (cfg.reseed says how).
    const collapsed: [number, number][] = [];
    for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) if (nkv[c * K + k] < cfg.minMass) collapsed.push([c, k]);
    if (collapsed.length && K > 1 && cfg.reseed !== 'none') {
      const muHost = Float32Array.from(await mu.data());
      const piHost = await readPi(logPi);
      // 'worst': each class's codes ordered from the worst explained (lowest log-likelihood) under the current mixture.
      let worst: Int32Array[] | null = null;
      if (cfg.reseed === 'worst') {
        const lseT = tf.tidy(() => logLik(mu, logPi).lse);
        const lse = (await lseT.data()) as Float32Array;
        lseT.dispose();
        worst = counts.map((n, c) => Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => lse[c * N + a] - lse[c * N + b]));
      }
      const taken = new Map<number, number>();
      for (const [c, k] of collapsed) {
        const n = counts[c];
        if (worst) {
          // The next block of ceil(n / K) worst-explained codes (two collapsed components of a class get two blocks).
          const m = Math.ceil(n / K);
          const from = Math.min(taken.get(c) ?? 0, n - m);
          taken.set(c, from + m);
          for (let d = 0; d < D; d++) {
            let v = 0;
            for (let j = from; j < from + m; j++) v += zHost[(c * N + worst[c][j]) * D + d];
            muHost[(c * K + k) * D + d] = Math.min(1 - cfg.eps, Math.max(cfg.eps, v / m));
          }
        } else {
          const i = rng.interval(n - 1);
          for (let d = 0; d < D; d++) {
            const v = 0.9 * zHost[(c * N + i) * D + d] + 0.1 * 0.5;
            muHost[(c * K + k) * D + d] = Math.min(1 - cfg.eps, Math.max(cfg.eps, v));
          }
        }
        piHost[c * K + k] = 1 / K;
        let s = 0;
        for (let j = 0; j < K; j++) s += piHost[c * K + j];
        for (let j = 0; j < K; j++) piHost[c * K + j] /= s;
        reseeds.push({ iteration: iter, cls: c, component: k });
      }
      tf.dispose([mu, logPi]);
      mu = tf.tensor3d(muHost, [C, K, D]);
      logPi = tf.log(tf.tensor2d(piHost, [C, K]));
    }
  }
  const muOut = Float32Array.from(await mu.data());
  const piOut = await readPi(logPi);
  const finalLl = tf.tidy(() => logLik(mu, logPi).ll);
  const finalLogLik = Array.from(await finalLl.data());
  tf.dispose([finalLl, Z, ZT, mask, nPerClass, mu, logPi]);
  return { mu: muOut, pi: piOut, K, dim: D, trace, finalLogLik, iterations: trace.length, converged, reseeds };
}

/** fitBernoulliMixtures through the WebAssembly kernel: the same iterations, stopping rule and result. */
function fitWithKernel(data: ClassCodes, cfg: EmConfig, start: EmInit): EmResult {
  const D = data.dim;
  const K = cfg.K;
  const kernel = new BmmKernel(data.codes, D, K);
  kernel.mu.set(start.mu);
  kernel.logPi.set(start.pi.map(Math.log));
  const trace: number[][] = [];
  let converged = false;
  for (let iter = 0; iter < cfg.maxIter; iter++) {
    const llv = Array.from(kernel.iterate(true, iter >= cfg.warmup, cfg.eps));
    trace.push(llv);
    const prev = trace.length > 1 ? trace[trace.length - 2] : null;
    if (prev && iter > cfg.warmup && llv.every((v, c) => Math.abs(v - prev[c]) < cfg.tol * Math.abs(prev[c]))) {
      converged = true;
      break;
    }
  }
  const mu = kernel.mu.slice();
  const pi = kernel.logPi.map(Math.exp);
  const finalLogLik = Array.from(kernel.iterate(false, false, cfg.eps));
  return { mu, pi, K, dim: D, trace, finalLogLik, iterations: trace.length, converged, reseeds: [] };
}

/** pi on the host from log pi on the backend. */
async function readPi(logPi: tf.Tensor2D): Promise<Float32Array> {
  const pi = tf.exp(logPi);
  const out = Float32Array.from(await pi.data());
  pi.dispose();
  return out;
}
