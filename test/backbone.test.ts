import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { imagesToBatch } from '../src/models/backbone.js';
import { loadBackbone, locateBackbone } from '../src/models/registry.js';
import { requireData, syntheticRgb } from './helpers.js';

describe('backbone: MobileNet v1 0.25', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('gives 256-d non-negative features, identical on a second pass, different for different images', async function () {
    requireData(this, 'mobilenet_v1_0.25_224/model.json');
    const spec = await locateBackbone('mobilenet', 64, 'tinyimagenet');
    const bb = await loadBackbone(spec);
    assert.equal(bb.featureDim, 256);
    assert.ok(
      bb.notes.some((n) => /ImageNet/.test(n)),
      'carries the ImageNet-overlap caveat',
    );
    const images = [0, 1, 2, 3].map((i) => ({ width: 64, height: 64, channels: 3 as const, data: syntheticRgb(64, 64, i, i) }));
    const f1 = tf.tidy(() => bb.embed(imagesToBatch(images, 64)));
    const f2 = tf.tidy(() => bb.embed(imagesToBatch(images, 64)));
    assert.deepEqual(f1.shape, [4, 256]);
    const a = f1.dataSync();
    assert.deepEqual(a, f2.dataSync());
    assert.ok(
      a.every((v) => v >= 0 && v <= 6),
      'ReLU6 range',
    );
    const row = (i: number) => a.subarray(i * 256, (i + 1) * 256);
    assert.notDeepEqual(row(0), row(1));
    tf.dispose([f1, f2]);
    bb.dispose();
  });

  it('resizes gray and odd-sized images to the input size, scaled to [-1, 1]', () => {
    const gray = { width: 28, height: 28, channels: 1 as const, data: new Uint8Array(784).fill(255) };
    const b = imagesToBatch([gray], 32);
    assert.deepEqual(b.shape, [1, 32, 32, 3]);
    const v = b.dataSync();
    assert.ok(v.every((x) => Math.abs(x - 1) < 1e-6));
    const mixed = imagesToBatch([gray, { width: 40, height: 30, channels: 3, data: new Uint8Array(40 * 30 * 3) }], 32);
    assert.deepEqual(mixed.shape, [2, 32, 32, 3]);
    assert.ok(
      mixed
        .slice([1], [1])
        .dataSync()
        .every((x) => Math.abs(x + 1) < 1e-6),
    );
    tf.dispose([b, mixed]);
  });

  it('refuses an input size the network cannot take', async function () {
    requireData(this, 'mobilenet_v1_0.25_224/model.json');
    await assert.rejects(locateBackbone('mobilenet', 16, 'tinyimagenet'), /input size 16 is too small.*--input-size 32/);
    await assert.rejects(locateBackbone('resnet-999', 64, 'tinyimagenet'), /unknown backbone "resnet-999"/);
  });
});
