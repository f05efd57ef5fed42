import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { imagesToBatch } from '../src/models/backbone.js';
import { extractFeatures } from '../src/features/extract.js';
import { mobilenetInputWarning } from '../src/models/mobilenet.js';
import { loadBackbone, locateBackbone } from '../src/models/registry.js';
import { deadDimensions, runExperiment } from '../src/run/runner.js';
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
    await assert.rejects(locateBackbone('mobilenet', 16, 'tinyimagenet'), /input size 16 is too small.*--input-size 48 or more/);
    await assert.rejects(locateBackbone('resnet-999', 64, 'tinyimagenet'), /unknown backbone "resnet-999"/);
  });

  it('runs small-image datasets at 96x96 by default, and warns below 48x48, where most of its features are zero', async function () {
    this.timeout(240000);
    requireData(this, 'mobilenet_v1_0.25_224/model.json');
    for (const dataset of ['fashion-mnist', 'cifar100', 'cifar100-coarse']) assert.equal((await locateBackbone('mobilenet', undefined, dataset)).inputSize, 96);
    assert.equal((await locateBackbone('mobilenet', undefined, 'core50')).inputSize, 64);
    assert.equal((await locateBackbone('mobilenet', undefined, 'tinyimagenet')).inputSize, 64);
    assert.equal(mobilenetInputWarning(48), null);
    // Fashion-MNIST (Debian's dataset-fashion-mnist; CI installs it): 4 classes, 30 training images each.
    const run = (inputSize: number) =>
      runExperiment(
        {
          features: { dataset: 'fashion-mnist', backbone: 'mobilenet', inputSize, subset: { classes: [0, 1, 5, 8], trainPerClass: 30, testPerClass: 10 } },
          scenario: { baseClasses: 2, tasks: 1 },
          method: { name: 'ncm' },
        },
        { progress: false },
      );
    const small = await run(32);
    const feats = await extractFeatures({ ...small.config.features, progress: false, log: () => {} });
    const zero = deadDimensions(feats.train.features, feats.train.count, 256);
    assert.ok(zero > 128, `${zero} of 256 features zero on every image at 32x32 (the premise of the warning)`);
    assert.equal(small.warnings?.length, 1);
    assert.match(small.warnings![0], /^MobileNet at 32x32 input: below 48x48 most of its 256 features are zero .*Fix: --input-size 96/);
    const ok = await run(48);
    assert.equal(ok.warnings, undefined);
  });
});
