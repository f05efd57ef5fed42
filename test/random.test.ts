import assert from 'node:assert/strict';
import { MT19937, numpyPermutation } from '../src/util/mt19937.js';
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
