import assert from 'node:assert/strict';
import { MT19937, numpyPermutation } from '../src/util/mt19937.js';
import { Xoshiro128 } from '../src/util/xoshiro.js';
import { python } from './helpers.js';

describe('seeded randomness: numpy-compatible MT19937', () => {
  it('reproduces the class-order test vectors of method.md', () => {
    assert.deepEqual(numpyPermutation(100, 1993).slice(0, 10), [68, 56, 78, 8, 23, 84, 90, 65, 74, 76]);
    assert.deepEqual(numpyPermutation(10, 1993), [4, 2, 7, 6, 0, 3, 5, 8, 9, 1]);
  });

  it('matches numpy itself for permutations and random_sample', () => {
    const ref = JSON.parse(
      python(`import numpy as np, json
np.random.seed(1993); p200 = np.random.permutation(200).tolist()
np.random.seed(7); p50 = np.random.permutation(50).tolist()
np.random.seed(42); r = np.random.random_sample(5).tolist()
print(json.dumps([p200, p50, r]))`),
    );
    assert.deepEqual(numpyPermutation(200, 1993), ref[0]);
    assert.deepEqual(numpyPermutation(50, 7), ref[1]);
    const g = new MT19937(42);
    (ref[2] as number[]).forEach((v) => assert.equal(g.random(), v));
  });
});

describe('xoshiro128** bulk Bernoulli draws', () => {
  it('fillBernoulli draws the same stream as nextUint32 one call at a time', () => {
    const t = Uint32Array.from({ length: 300 }, (_, j) => (j * 2654435761) >>> 0);
    const a = new Xoshiro128(new MT19937(7));
    const b = new Xoshiro128(new MT19937(7));
    const bulk = new Float32Array(310);
    a.fillBernoulli(t, 20, bulk, 5, 280);
    a.fillBernoulli(t, 0, bulk, 285, 20);
    const one = Float32Array.from({ length: 300 }, (_, j) => ((j < 280 ? b.nextUint32() < t[20 + j] : b.nextUint32() < t[j - 280]) ? 1 : 0));
    assert.deepEqual(Array.from(bulk.subarray(5, 305)), Array.from(one));
    assert.equal(a.nextUint32(), b.nextUint32());
    // A threshold of 0 never fires, 2^32 - 1 almost always: both values occur.
    assert.ok(one.includes(0) && one.includes(1));
  });
});
