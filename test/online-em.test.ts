import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { fitBernoulliMixtures } from '../src/memory/em.js';
import { checkOnlineEmConfig, meanLogLikelihood, ONLINE_EM_DEFAULTS, onlineStateBits, StreamingBmm, type OnlineEmConfig } from '../src/memory/online-em.js';
import { MT19937 } from '../src/util/mt19937.js';
import { streamLikelihoodTrace } from '../src/analysis/online.js';
import { em64 } from './reference/bmm64.js';

/** n codes from a planted mixture (prototypes near 0.1 / 0.9, given weights), seeded. */
function planted(K: number, D: number, n: number, seed: number): { codes: Uint8Array; mu: number[]; pi: number[] } {
  const rng = new MT19937(seed);
  const mu = Array.from({ length: K * D }, () => (rng.random() < 0.5 ? 0.1 : 0.9) + (rng.random() - 0.5) * 0.1);
  const pi = Array.from({ length: K }, (_, k) => (k + 1) / ((K * (K + 1)) / 2));
  const codes = new Uint8Array(n * D);
  for (let i = 0; i < n; i++) {
    let u = rng.random();
    let k = 0;
    while (k < K - 1 && u >= pi[k]) u -= pi[k++];
    for (let d = 0; d < D; d++) codes[i * D + d] = rng.random() < mu[k * D + d] ? 1 : 0;
  }
  return { codes, mu, pi };
}

/** Stream the codes through a model in mini-batches of b, `passes` times in a seeded shuffled order. */
function stream(model: StreamingBmm, codes: Uint8Array, D: number, b: number, passes: number, seed: number): void {
  const n = codes.length / D;
  const rng = new MT19937(seed);
  for (let p = 0; p < passes; p++) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    rng.shuffle(order);
    for (let s = 0; s < n; s += b) {
      const rows = order.subarray(s, Math.min(n, s + b));
      const batch = new Uint8Array(rows.length * D);
      rows.forEach((r, j) => {
        batch.set(codes.subarray(r * D, (r + 1) * D), j * D);
      });
      model.update(batch);
    }
  }
}

const ll = (m: StreamingBmm, codes: Uint8Array) => meanLogLikelihood(codes, codes.length / m.dim, m.dim, m.mu(), m.pi(), m.cfg.K);

describe('memory: streaming (online) EM for Bernoulli mixtures', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('reaches batch EM’s log-likelihood within the stated tolerance after 3 passes (float 0.1, integer 0.25 nats per code)', async () => {
    const [K, D, n] = [3, 32, 1000];
    const { codes } = planted(K, D, n, 11);
    const batch = await fitBernoulliMixtures({ codes: [codes], dim: D }, { K, maxIter: 300, tol: 0 }, 3);
    const llBatch = meanLogLikelihood(codes, n, D, batch.mu, batch.pi, K);
    const tolerance: Record<OnlineEmConfig['variant'], number> = { float: 0.1, integer: 0.25 };
    for (const variant of ['float', 'integer'] as const) {
      const once = new StreamingBmm(D, { K, variant }, 3);
      stream(once, codes, D, 10, 1, 5);
      const thrice = new StreamingBmm(D, { K, variant }, 3);
      stream(thrice, codes, D, 10, 3, 5);
      const gap = llBatch - ll(thrice, codes);
      assert.ok(gap <= tolerance[variant], `${variant}: ${gap.toFixed(4)} nats per code below batch EM after 3 passes`);
      assert.ok(ll(thrice, codes) >= ll(once, codes) - 1e-9, `${variant}: more passes do not explain the data worse`);
      assert.equal(thrice.seen, 3 * n);
    }
  });

  it('escapes the symmetric start where batch EM stays stuck on well-separated prototypes', async () => {
    // Batch EM starts every component at the class centroid (plus small noise) and, with K = 4 well-separated
    // prototypes, ends several nats per code below the truth; the stream's noise breaks the symmetry.
    const [K, D, n] = [4, 64, 4000];
    const { codes, mu, pi } = planted(K, D, n, 7);
    const truth = meanLogLikelihood(codes, n, D, mu, pi, K);
    const batch = await fitBernoulliMixtures({ codes: [codes], dim: D }, { K, maxIter: 300, tol: 0 }, 3);
    const online = new StreamingBmm(D, { K }, 3);
    stream(online, codes, D, 20, 3, 5);
    assert.ok(meanLogLikelihood(codes, n, D, batch.mu, batch.pi, K) < truth - 1, 'batch EM is stuck here (the premise)');
    assert.ok(ll(online, codes) > truth - 0.1, `online ${ll(online, codes).toFixed(3)} against the planted ${truth.toFixed(3)}`);
  });

  it('one stepwise update from the start equals the float64 E-step mixed in with step 2^-alpha (hand-worked)', () => {
    const [K, D, m] = [2, 6, 8];
    const { codes } = planted(K, D, m, 3);
    const model = new StreamingBmm(D, { K, alpha: 0.75, priorA: 1, priorB: 1 }, 9);
    // The start is batch EM's (centroid + seeded noise, uniform pi): one float64 EM iteration from it gives the
    // batch's own statistics; stepwise EM moves 2^-0.75 of the way from the start's statistics to them.
    const start = new StreamingBmm(D, { K, alpha: 0.75, priorA: 1, priorB: 1 }, 9);
    const mu0 = (start as unknown as { start(c: ArrayLike<number>, m: number): Float64Array }).start(codes, m);
    const ref = em64(codes, m, D, mu0, [0.5, 0.5], K, 1, 0, 1e-12); // eps tiny: its mu are the raw weighted means
    model.update(codes);
    const eta = 2 ** -0.75;
    const nk = Array.from({ length: K }, (_, k) => ref.pi[k] * m); // one iteration, warm-up 0: pi = N_k / m
    for (let k = 0; k < K; k++) {
      const s0 = (1 - eta) / K + (eta * nk[k]) / m;
      assert.ok(Math.abs(model.s0[k] - s0) < 1e-6, `s0[${k}]`);
      for (let d = 0; d < D; d++) {
        const s1 = (1 - eta) * (mu0[k * D + d] / K) + (eta * ref.mu[k * D + d] * nk[k]) / m;
        assert.ok(Math.abs(model.s1[k * D + d] - s1) < 1e-6, `s1[${k}, ${d}]`);
        // MAP without a prior: mu = expected ones / expected count.
        assert.ok(Math.abs(model.mu()[k * D + d] - Math.min(0.999, Math.max(0.001, s1 / s0))) < 1e-5);
      }
    }
  });

  it('integer variant with one component: exact counts, mu = (ones + 1) / (n + 2) however the stream is cut', () => {
    const D = 5;
    const { codes } = planted(1, D, 37, 4);
    const model = new StreamingBmm(D, { K: 1, variant: 'integer' }, 0);
    for (const [a, b] of [
      [0, 1],
      [1, 10],
      [10, 37],
    ])
      model.update(codes.subarray(a * D, b * D));
    for (let d = 0; d < D; d++) {
      let ones = 0;
      for (let i = 0; i < 37; i++) ones += codes[i * D + d];
      assert.equal(model.ck[d], ones);
      assert.ok(Math.abs(model.mu()[d] - (ones + 1) / 39) < 1e-6);
    }
    assert.deepEqual(Array.from(model.pi()), [1]);
  });

  it('keeps a fixed-size state per class (the stated formula), and one seed gives one result', () => {
    const [K, D] = [8, 64];
    const { codes } = planted(4, D, 500, 2);
    const float = new StreamingBmm(D, { K }, 1);
    stream(float, codes, D, 25, 1, 1);
    assert.equal(float.stateBits(), 32 * K * (D + 1) + 64);
    assert.equal(float.stateBits(), 32 * (float.s0.length + float.s1.length) + 64);
    const int = new StreamingBmm(D, { K, variant: 'integer' }, 1);
    stream(int, codes, D, 25, 1, 1);
    // 500 codes: every counter fits in ceil(log2(501)) = 9 bits.
    assert.equal(int.stateBits(), 9 * (K * (D + 1) + 1));
    assert.equal(onlineStateBits(K, D, 'integer', 500), int.stateBits());
    assert.ok(Math.max(...int.nk, ...int.ck) < 2 ** 9);
    const again = new StreamingBmm(D, { K }, 1);
    stream(again, codes, D, 25, 1, 1);
    assert.deepEqual(again.mu(), float.mu());
  });

  it('traces held-out likelihood along a stream against batch EM (notebook 11), one measurement per `every` batches', async () => {
    const [K, D] = [3, 32];
    const { codes } = planted(K, D, 700, 21);
    const train = codes.subarray(0, 600 * D);
    const heldOut = codes.subarray(600 * D);
    const t = await streamLikelihoodTrace(train, heldOut, D, { K, batch: 10, every: 6, seed: 2 });
    assert.deepEqual(t.seen, [60, 120, 180, 240, 300, 360, 420, 480, 540, 600]);
    for (const v of ['float', 'integer'] as const) {
      assert.equal(t.traces[v].length, t.seen.length);
      assert.ok(t.traces[v][t.seen.length - 1] > t.traces[v][0], `${v} learns along the stream`);
    }
    // After one pass the float stream is within 0.3 nats per held-out code of batch EM on all 600 codes.
    assert.ok(t.batchEm - t.traces.float[t.seen.length - 1] < 0.3, `${t.batchEm} vs ${t.traces.float.at(-1)}`);
  });

  it('refuses bad options and a batch that is not whole codes, naming the fix', () => {
    assert.throws(() => checkOnlineEmConfig({ ...ONLINE_EM_DEFAULTS, alpha: 0.4 }), /alpha = 0\.4 must be in \(0\.5, 1\]/);
    assert.throws(() => checkOnlineEmConfig({ ...ONLINE_EM_DEFAULTS, priorA: 0.5 }), /needs a, b >= 1/);
    assert.throws(() => new StreamingBmm(4, { variant: 'fuzzy' as never }), /variant "fuzzy" is not known/);
    assert.throws(() => new StreamingBmm(4).update(new Uint8Array(6)), /not whole codes of 4 bits/);
  });
});
