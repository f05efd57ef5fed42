import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { BinaryMemory } from '../src/memory/memory.js';
import { MT19937 } from '../src/util/mt19937.js';
import { Xoshiro128 } from '../src/util/xoshiro.js';
import { tmpDir } from './helpers.js';

describe('memory: binary memory and pseudo-exemplars', () => {
  before(async () => {
    await initBackend('wasm');
  });

  const K = 3;
  const D = 40;
  const rng = new MT19937(1);
  const mu = Float32Array.from({ length: K * D }, () => 0.02 + 0.96 * rng.random());
  const pi = Float32Array.from([0.6, 0.3, 0.1]);

  it('counts its size as K x D x b_mu + K x 32 bits per class', () => {
    for (const bits of [32, 8, 4] as const) {
      const m = new BinaryMemory(D, K, bits);
      m.add(0, mu, pi);
      m.add(5, mu, pi);
      assert.equal(m.bitsPerClass(), K * D * bits + K * 32);
      assert.equal(m.sizeInBits(), 2 * (K * D * bits + K * 32));
    }
    assert.throws(() => new BinaryMemory(D, K, 5 as never), /mu precision 5 bits is not supported/);
  });

  it('quantises mu to b bits (error at most half a step) and saves/loads exactly what it stores', () => {
    for (const bits of [32, 8, 4, 1] as const) {
      const m = new BinaryMemory(D, K, bits, 1e-3);
      m.add(7, mu, pi);
      const stored = m.mu(7);
      const step = bits === 32 ? 0 : 1 / (2 ** bits - 1);
      stored.forEach((v, i) => assert.ok(Math.abs(v - Math.min(1 - 1e-3, Math.max(1e-3, mu[i]))) <= step / 2 + 1e-3 + 1e-7, `b=${bits}`));
      const dir = tmpDir('mem');
      m.save(dir);
      const back = BinaryMemory.load(dir);
      assert.deepEqual(back.mu(7), stored);
      assert.deepEqual(back.pi(7), m.pi(7));
      assert.equal(back.sizeInBits(), m.sizeInBits());
    }
  });

  it('draws components with frequencies pi and bits with frequencies mu', () => {
    const m = new BinaryMemory(D, K, 32);
    m.add(2, mu, pi);
    const n = 20000;
    const codes = m.sampleCodes(new Int32Array(n).fill(2), 11);
    // Bit frequencies: the mixture's marginal sum_k pi_k mu_kd, within 4 standard errors.
    for (let d = 0; d < D; d++) {
      let ones = 0;
      for (let i = 0; i < n; i++) ones += codes[i * D + d];
      const p = pi.reduce((s, w, k) => s + w * mu[k * D + d], 0);
      assert.ok(Math.abs(ones / n - p) < 4 * Math.sqrt((p * (1 - p)) / n) + 1e-9, `bit ${d}: ${ones / n} vs ${p}`);
    }
    // Component frequencies: assign each sample to its most likely component (well separated here) and count.
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestLl = -Infinity;
      for (let k = 0; k < K; k++) {
        let ll = Math.log(pi[k]);
        for (let d = 0; d < D; d++) ll += Math.log(codes[i * D + d] ? mu[k * D + d] : 1 - mu[k * D + d]);
        if (ll > bestLl) {
          bestLl = ll;
          best = k;
        }
      }
      counts[best]++;
    }
    counts.forEach((c, k) => assert.ok(Math.abs(c / n - pi[k]) < 0.02, `component ${k}: ${c / n} vs ${pi[k]}`));
  });

  it('draws in bulk exactly the bits of the xoshiro128** stream a row-by-row loop draws', () => {
    // A class added between draws (the thresholds are rebuilt), 6-bit mu, classes drawn out of order.
    const D = 37;
    const K = 3;
    const mem = new BinaryMemory(D, K, 6);
    const rng = new MT19937(21);
    const addClass = (c: number) =>
      mem.add(
        c,
        Float32Array.from({ length: K * D }, () => rng.random()),
        Float32Array.from([0.5, 0.3, 0.2]),
      );
    [4, 9, 2].forEach(addClass);
    const reference = (labels: Int32Array, seed: number) => {
      const r = new MT19937(seed);
      const bits = new Xoshiro128(r);
      const out = new Float32Array(labels.length * D);
      labels.forEach((c, i) => {
        const thr = Uint32Array.from(mem.mu(c), (p) => Math.min(0xffffffff, Math.round(p * 4294967296)));
        const pi = mem.pi(c);
        let u = r.random();
        let k = 0;
        while (k < K - 1 && u >= pi[k]) u -= pi[k++];
        for (let d = 0; d < D; d++) out[i * D + d] = bits.nextUint32() < thr[k * D + d] ? 1 : 0;
      });
      return out;
    };
    const labels = Int32Array.from({ length: 500 }, (_, i) => [9, 2, 4][(i * 7) % 3]);
    assert.deepEqual(Array.from(mem.sampleCodes(labels, 5)), Array.from(reference(labels, 5)));
    addClass(1);
    const more = Int32Array.from({ length: 300 }, (_, i) => [1, 4, 9, 2][i % 4]);
    const drawn = mem.sampleCodes(more, 6);
    assert.deepEqual(Array.from(drawn), Array.from(reference(more, 6)));
    assert.ok(drawn.includes(0) && drawn.includes(1));
    assert.throws(() => mem.sampleCodes(Int32Array.of(7), 1), /class 7 is not in the memory/);
  });

  it('is deterministic for a seed, and the tensor form equals the host form', () => {
    const m = new BinaryMemory(D, K, 8);
    m.add(0, mu, pi);
    m.add(
      1,
      mu.map((v) => 1 - v),
      pi,
    );
    const labels = Int32Array.from([0, 1, 1, 0, 1]);
    assert.deepEqual(m.sampleCodes(labels, 3), m.sampleCodes(labels, 3));
    assert.notDeepEqual(m.sampleCodes(labels, 3), m.sampleCodes(labels, 4));
    assert.deepEqual(m.sample(labels, 3).dataSync(), m.sampleCodes(labels, 3));
    assert.throws(() => m.sampleCodes(Int32Array.from([9]), 1), /class 9 is not in the memory/);
  });
});
