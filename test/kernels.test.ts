import assert from 'node:assert/strict';
import { initBackend, switchBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';

describe('kernels: the wasm BatchMatMul swapped in by name', () => {
  after(async () => { await initBackend('wasm'); });

  const cases: [number[], number[], boolean, boolean][] = [
    [[7, 13, 9], [7, 9, 5], false, false],
    [[7, 9, 13], [7, 9, 5], true, false],
    [[7, 13, 9], [7, 5, 9], false, true],
    [[3, 9, 13], [3, 5, 9], true, true],
    [[1, 13, 9], [1, 9, 5], false, false],
    [[4, 13, 9], [1, 9, 5], false, false], // broadcast: the stock kernel's path
    [[2, 3, 13, 9], [2, 3, 9, 5], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`agrees with the cpu backend for [${sa}] x [${sb}]${ta ? ' transposeA' : ''}${tb ? ' transposeB' : ''}`, async () => {
      const run = async (name: 'wasm' | 'cpu') => {
        await switchBackend(name);
        const a = tf.randomNormal(sa, 0, 1, 'float32', 1);
        const b = tf.randomNormal(sb, 0, 1, 'float32', 2);
        const c = tf.matMul(a, b, ta, tb);
        const out = { shape: c.shape, v: Float64Array.from(c.dataSync()) };
        tf.dispose([a, b, c]);
        return out;
      };
      const w = await run('wasm');
      const c = await run('cpu');
      assert.deepEqual(w.shape, c.shape);
      for (let i = 0; i < w.v.length; i++) assert.ok(Math.abs(w.v[i] - c.v[i]) < 1e-4, `${i}: ${w.v[i]} vs ${c.v[i]}`);
    });
  }

  it('leaves no tensor or heap leak across many calls', async () => {
    await switchBackend('wasm');
    const a = tf.randomNormal([20, 30, 16]);
    const b = tf.randomNormal([20, 16, 8]);
    const before = tf.memory();
    for (let i = 0; i < 50; i++) tf.matMul(a, b).dispose();
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
    tf.dispose([a, b]);
  });
});
