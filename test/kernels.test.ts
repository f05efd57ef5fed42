import assert from 'node:assert/strict';
import { initBackend, switchBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';

describe('kernels: the wasm BatchMatMul swapped in by name', () => {
  after(async () => {
    await initBackend('wasm');
  });

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

describe('kernels: wasm conv gradients (Conv2DBackpropFilter added, Conv2DBackpropInput swapped) by name', () => {
  after(async () => {
    await initBackend('wasm');
  });

  type Case = { x: [number, number, number, number]; f: [number, number, number, number]; s: number | [number, number]; pad: 'same' | 'valid' | number };
  const cases: Case[] = [
    { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
    { x: [2, 8, 8, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
    { x: [1, 9, 9, 2], f: [3, 3, 2, 3], s: 2, pad: 'valid' },
    { x: [2, 6, 6, 4], f: [1, 1, 4, 8], s: 2, pad: 'valid' },
    { x: [1, 7, 8, 2], f: [5, 3, 2, 3], s: [2, 1], pad: 'same' },
    // A numeric pad only with a square filter and stride: tfjs's own forward conv sizes the output wrongly otherwise.
    { x: [2, 7, 7, 2], f: [3, 3, 2, 3], s: 2, pad: 1 },
    { x: [2, 10, 11, 3], f: [3, 3, 3, 2], s: 3, pad: 'same' },
    { x: [3, 5, 5, 1], f: [5, 5, 1, 2], s: 1, pad: 'valid' },
  ];
  /** Gradients of sum(conv2d(x, f) * r) for x and f on one backend; r makes every output matter differently. */
  const gradsOn = async (name: 'wasm' | 'cpu', c: Case) => {
    await switchBackend(name);
    const [gx, gf] = tf.tidy(() => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 11);
      const f = tf.randomNormal(c.f, 0, 1, 'float32', 12);
      const y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad);
      const r = tf.randomNormal(y.shape, 0, 1, 'float32', 13);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)))([x, f]);
    });
    const out = { gx: Float64Array.from(gx.dataSync()), gf: Float64Array.from(gf.dataSync()), gxShape: gx.shape, gfShape: gf.shape };
    tf.dispose([gx, gf]);
    return out;
  };
  for (const c of cases) {
    it(`matches the cpu backend's stock kernels for x [${c.x}], filter [${c.f}], stride ${c.s}, pad ${c.pad}`, async () => {
      const w = await gradsOn('wasm', c);
      const ref = await gradsOn('cpu', c);
      assert.deepEqual(w.gxShape, c.x);
      assert.deepEqual(w.gfShape, c.f);
      for (const k of ['gx', 'gf'] as const) {
        const scale = Math.max(...ref[k].map(Math.abs));
        for (let i = 0; i < ref[k].length; i++) assert.ok(Math.abs(w[k][i] - ref[k][i]) <= 1e-4 * scale + 1e-5, `${k}[${i}]: ${w[k][i]} vs ${ref[k][i]}`);
      }
    });
  }

  it('matches central finite differences of the loss (float64 sums) for a strided conv', async () => {
    await switchBackend('wasm');
    const c: Case = { x: [1, 6, 6, 2], f: [3, 3, 2, 2], s: 2, pad: 'same' };
    const xs = Float32Array.from(tf.randomNormal(c.x, 0, 1, 'float32', 21).dataSync());
    const fs = Float32Array.from(tf.randomNormal(c.f, 0, 1, 'float32', 22).dataSync());
    const loss = (xv: Float32Array, fv: Float32Array) =>
      tf.tidy(() => {
        const y = tf.conv2d(tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f), c.s, c.pad);
        return Array.from(y.dataSync()).reduce((s, v, i) => s + v * Math.sin(i + 1), 0);
      });
    const [gx, gf] = tf.tidy(() => {
      const y0 = tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), c.s, c.pad);
      const r = tf.tensor(
        Array.from({ length: y0.size }, (_, i) => Math.sin(i + 1)),
        y0.shape,
      );
      return tf
        .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)))([
          tf.tensor4d(xs, c.x),
          tf.tensor4d(fs, c.f),
        ])
        .map((g) => g.dataSync());
    });
    const h = 1e-2; // the loss is linear in each argument, so central differences are exact up to rounding
    for (const [arr, g, which] of [
      [xs, gx, 'x'],
      [fs, gf, 'f'],
    ] as const) {
      for (const i of [0, 3, 7, arr.length - 1]) {
        const plus = Float32Array.from(arr);
        plus[i] += h;
        const minus = Float32Array.from(arr);
        minus[i] -= h;
        const num = which === 'x' ? (loss(plus, fs) - loss(minus, fs)) / (2 * h) : (loss(xs, plus) - loss(xs, minus)) / (2 * h);
        assert.ok(Math.abs(num - g[i]) < 2e-3 * Math.max(1, Math.abs(num)), `d/d${which}[${i}]: numeric ${num} vs ${g[i]}`);
      }
    }
  });

  it('lets a tf.layers conv net train on wasm, with no tensor or heap leak per step', async () => {
    await switchBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' as never });
    const x = tf.randomNormal([16, 8, 8, 3], 0, 1, 'float32', 5);
    const y = tf.tensor1d(
      Array.from({ length: 16 }, (_, i) => i % 2),
      'float32',
    );
    const lossOf = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y.toInt(), 2), model.predict(x) as tf.Tensor).dataSync()[0]);
    const first = lossOf();
    await model.trainOnBatch(x, y);
    const before = tf.memory();
    for (let i = 0; i < 20; i++) await model.trainOnBatch(x, y);
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
    assert.ok(lossOf() < first * 0.7, `loss ${first} -> ${lossOf()}`);
    model.dispose();
    tf.dispose([x, y]);
  });
});
