import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { packBits, unpackBits } from '../src/binarize/bitpack.js';
import { encodePacked } from '../src/binarize/index.js';
import { fitHeaviside } from '../src/binarize/heaviside.js';
import { fitHeavisideCached } from '../src/binarize/heaviside.js';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './helpers.js';
import { heavisideSTE, thermometerSTE } from '../src/binarize/ste.js';
import { columnPercentiles, fitThermometer, ThermometerBinarizer } from '../src/binarize/thermometer.js';
import { MT19937 } from '../src/util/mt19937.js';

describe('binarizers', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('thermometer codes are unary, with the level given by the thresholds c*j/(p+1)', () => {
    const p = 3;
    const c = 4; // thresholds 1, 2, 3
    const bin = new ThermometerBinarizer({ kind: 'thermometer', levels: p, percentile: 100, scope: 'global' }, Float32Array.from([c, c]));
    const feats = [
      [0, 0.5],
      [1.5, 2.5],
      [3.5, 9],
      [-1, 2],
    ];
    const expectLevel = (v: number) => [1, 2, 3].filter((t) => Math.min(Math.max(v, 0), c) > t).length;
    const codes = tf.tidy(() => bin.encode(tf.tensor2d(feats))).arraySync();
    feats.forEach((row, i) =>
      row.forEach((v, f) => {
        const bits = codes[i].slice(f * p, (f + 1) * p);
        const level = expectLevel(v);
        assert.deepEqual(bits, [...Array(level).fill(1), ...Array(p - level).fill(0)], `feature ${v}`);
      }),
    );
    assert.equal(bin.codeLength, 2 * p);
  });

  it('thermometer codes computed on the host are bit for bit those of the tensor ops, thresholds and c included', () => {
    const rng = new MT19937(12);
    for (const p of [1, 3, 7]) {
      const F = 9;
      const range = Float32Array.from({ length: F }, (_, d) => (d === 0 ? 0 : 0.1 + 3 * rng.random())); // a dead dimension: c = 1e-6
      const bin = new ThermometerBinarizer({ kind: 'thermometer', levels: p, percentile: 75, scope: 'per-dim' }, range);
      const n = 400;
      const x = new Float32Array(n * F);
      for (let i = 0; i < n; i++)
        for (let d = 0; d < F; d++) {
          const c = Math.max(range[d], 1e-6);
          // Values on the thresholds (as float32 forms them) and on c, negatives, and values between.
          const pick = rng.interval(3);
          x[i * F + d] =
            pick === 0 ? Math.fround(c * Math.fround((1 + rng.interval(p - 1)) / (p + 1))) : pick === 1 ? c : pick === 2 ? -rng.random() : 4 * rng.random();
        }
      const host = bin.encodeHost(x, n);
      const viaTensors = tf.tidy(() => bin.encode(tf.tensor2d(x, [n, F]))).dataSync();
      assert.deepEqual(Array.from(host), Array.from(viaTensors));
      assert.ok(host.includes(0) && host.includes(1));
      bin.dispose();
    }
  });

  it('calibrates c as a percentile, per dimension or globally', () => {
    const n = 101;
    const x = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      x[2 * i] = i;
      x[2 * i + 1] = 10 * i;
    }
    assert.deepEqual([...columnPercentiles(x, n, 2, 50, 'per-dim')], [50, 500]);
    assert.deepEqual([...columnPercentiles(x, n, 2, 100, 'per-dim')], [100, 1000]);
    const g = columnPercentiles(x, n, 2, 50, 'global');
    const sorted = Array.from(x).sort((a, b) => a - b);
    assert.equal(g[0], sorted[Math.ceil(0.5 * sorted.length) - 1]);
    const bin = fitThermometer({ kind: 'thermometer', levels: 1, percentile: 50, scope: 'per-dim' }, x, n, 2);
    assert.deepEqual([...bin.range], [50, 500]);
    assert.throws(() => fitThermometer({ kind: 'thermometer', levels: 0, percentile: 50, scope: 'per-dim' }, x, n, 2), /levels p = 0 must be an integer >= 1/);
  });

  it('the Heaviside STE gradient is dy where |u| <= 1 and 0 elsewhere', () => {
    const u = tf.tensor1d([-2, -1, -0.5, 0, 0.3, 1, 1.5]);
    const w = tf.tensor1d([1, 2, 3, 4, 5, 6, 7]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(heavisideSTE(x), w)))(u);
    assert.deepEqual(Array.from(g.dataSync()), [0, 2, 3, 4, 5, 6, 0]);
    assert.deepEqual(Array.from(heavisideSTE(u).dataSync()), [0, 0, 0, 0, 1, 1, 1]);
  });

  it('the thermometer STE gradient is the sum over thresholds of dy/delta within delta/2 of each', () => {
    const p = 2;
    const c = [3, 6]; // delta = 1 and 2; thresholds (1, 2) and (2, 4)
    const f = [
      [0.4, 2.9],
      [1.2, 4.5],
      [2.6, 7],
    ];
    const dy = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ];
    const g = tf
      .grad((x: tf.Tensor) => tf.sum(tf.mul(thermometerSTE(x as tf.Tensor2D, tf.tensor1d(c), p), tf.tensor2d(dy))))(tf.tensor2d(f))
      .arraySync() as number[][];
    f.forEach((row, i) =>
      row.forEach((v, d) => {
        const delta = c[d] / (p + 1);
        let want = 0;
        for (let j = 1; j <= p; j++) if (Math.abs(v - (c[d] * j) / (p + 1)) <= delta / 2) want += dy[i][d * p + j - 1] / delta;
        assert.ok(Math.abs(g[i][d] - want) < 1e-6, `f=${v}: ${g[i][d]} vs ${want}`);
      }),
    );
  });

  it('trains a Heaviside projection whose codes separate the base classes', async () => {
    const rng = new MT19937(3);
    const n = 400;
    const d = 16;
    const x = new Float32Array(n * d);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 4;
      for (let j = 0; j < d; j++) x[i * d + j] = (j % 4 === y[i] ? 2 : 0) + (rng.random() - 0.5);
    }
    const losses: number[] = [];
    const bin = await fitHeaviside({ kind: 'heaviside', bits: 32, epochs: 15, batchSize: 32, learningRate: 0.01 }, x, y, n, d, 4, 1, (_, l) => losses.push(l));
    assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
    const codes = tf.tidy(() => bin.encode(tf.tensor2d(x, [n, d]))).arraySync();
    assert.ok(codes.flat().every((b) => b === 0 || b === 1));
    // Nearest class centroid in code space classifies the training data far above chance (25%).
    const cent = [0, 1, 2, 3].map((c) => codes[0].map((_, k) => codes.filter((_, i) => y[i] === c).reduce((s, r) => s + r[k], 0) / (n / 4)));
    let ok = 0;
    codes.forEach((r, i) => {
      const dist = cent.map((m) => m.reduce((s, v, k) => s + (v - r[k]) ** 2, 0));
      if (dist.indexOf(Math.min(...dist)) === y[i]) ok++;
    });
    assert.ok(ok / n > 0.9, `accuracy ${ok / n}`);
    bin.dispose();
  });

  it('a cached Heaviside binarizer gives exactly the codes of a fresh fit, and a truncated cache file is retrained', async () => {
    const rng = new MT19937(5);
    const n = 120;
    const d = 8;
    const x = Float32Array.from({ length: n * d }, () => rng.random());
    const y = Int32Array.from({ length: n }, (_, i) => i % 3);
    const cfg = { kind: 'heaviside' as const, bits: 24, epochs: 2, batchSize: 32, learningRate: 0.01 };
    const dir = tmpDir('bincache');
    const fresh = await fitHeaviside(cfg, x, y, n, d, 3, 9);
    const first = await fitHeavisideCached(dir, cfg, x, y, n, d, 3, 9);
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    const stamp = fs.statSync(path.join(dir, files[0])).mtimeMs;
    const again = await fitHeavisideCached(dir, cfg, x, y, n, d, 3, 9);
    assert.equal(fs.statSync(path.join(dir, files[0])).mtimeMs, stamp, 'the cached file was rewritten');
    const codes = (b: { encode(t: tf.Tensor2D): tf.Tensor2D }) => tf.tidy(() => b.encode(tf.tensor2d(x, [n, d]))).dataSync();
    assert.deepEqual(codes(again), codes(fresh));
    assert.deepEqual(codes(first), codes(fresh));
    // Another seed is another entry; a truncated entry is trained again.
    (await fitHeavisideCached(dir, cfg, x, y, n, d, 3, 10)).dispose();
    assert.equal(fs.readdirSync(dir).length, 2);
    fs.truncateSync(path.join(dir, files[0]), 10);
    const redone = await fitHeavisideCached(dir, cfg, x, y, n, d, 3, 9);
    assert.deepEqual(codes(redone), codes(fresh));
    for (const b of [fresh, first, again, redone]) b.dispose();
  });

  it('packs and unpacks bits, 32 to a word', () => {
    const n = 3;
    const d = 70;
    const rng = new MT19937(5);
    const bits = Uint8Array.from({ length: n * d }, () => (rng.random() < 0.3 ? 1 : 0));
    const words = packBits(bits, n, d);
    assert.equal(words.length, n * 3);
    assert.deepEqual(unpackBits(words, n, d), bits);
    assert.equal(packBits([1, 0, 1, 1], 1, 4)[0], 0b1101);
  });

  it('exports codes bit-packed, and unpacking gives the codes back', async () => {
    const x = Float32Array.from({ length: 5 * 40 }, (_, i) => (i * 7919) % 13);
    const bin = fitThermometer({ kind: 'thermometer', levels: 2, percentile: 90, scope: 'per-dim' }, x, 5, 40);
    const packed = await encodePacked(bin, x, 5);
    const codes = tf.tidy(() => bin.encode(tf.tensor2d(x, [5, 40]))).dataSync();
    assert.equal(packed.length, 5 * 3);
    assert.deepEqual(Array.from(unpackBits(packed, 5, 80)), Array.from(codes));
  });
});
