import assert from 'node:assert/strict';
import { initBackend, switchBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { imagesToBatch } from '../src/models/backbone.js';
import { loadBackbone, locateBackbone } from '../src/models/registry.js';
import { requireData, syntheticRgb } from './helpers.js';

/** Run fn on a backend and return its values as float64. */
async function on(backend: 'wasm' | 'cpu', fn: () => tf.Tensor): Promise<Float64Array> {
  await switchBackend(backend);
  const t = tf.tidy(fn);
  const v = Float64Array.from(await t.data());
  t.dispose();
  return v;
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / Math.max(scale, 1e-12);
}

describe('backend', () => {
  after(async () => {
    await initBackend('wasm');
  });

  it('auto picks a working backend and reports it', async () => {
    const b = await initBackend('auto');
    assert.ok(['webgpu', 'tensorflow', 'wasm'].includes(b.name));
    assert.equal(tf.getBackend(), b.name);
    assert.match(b.tfjs, /^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown backend name, and a forced backend that is absent, with the fix', async () => {
    await assert.rejects(initBackend('gpu'), /unknown backend "gpu".*Fix: use one of auto, webgpu/);
    await assert.rejects(initBackend('tensorflow'), /tfjs-node.*not installed.*GBM_BACKEND=wasm/);
  });

  it('wasm and cpu agree on matMul, logSumExp and conv2d within float32 tolerance', async () => {
    const a = () => tf.randomNormal([64, 96], 0, 1, 'float32', 7);
    const b = () => tf.randomNormal([96, 48], 0, 1, 'float32', 8);
    const mm = () => tf.matMul(a(), b());
    assert.ok(maxRelErr(await on('wasm', mm), await on('cpu', mm)) < 1e-5);
    const lse = () => tf.logSumExp(tf.matMul(a(), b()), 1);
    assert.ok(maxRelErr(await on('wasm', lse), await on('cpu', lse)) < 1e-5);
    const conv = () =>
      tf.conv2d(tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 3) as tf.Tensor4D, tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 4) as tf.Tensor4D, 2, 'same');
    assert.ok(maxRelErr(await on('wasm', conv), await on('cpu', conv)) < 1e-5);
  });

  it('wasm and cpu agree on MobileNet embeddings', async function () {
    requireData(this, 'mobilenet_v1_0.25_224/model.json');
    const spec = await locateBackbone('mobilenet', 32, 'tinyimagenet');
    const images = [0, 1, 2].map((i) => ({ width: 32, height: 32, channels: 3 as const, data: syntheticRgb(32, 32, i, i) }));
    const run = async (name: 'wasm' | 'cpu') => {
      await switchBackend(name);
      const bb = await loadBackbone(spec);
      const v = await on(name, () => bb.embed(imagesToBatch(images, 32)));
      bb.dispose();
      return v;
    };
    const w = await run('wasm');
    const c = await run('cpu');
    assert.ok(maxRelErr(w, c) < 1e-4, `relative error ${maxRelErr(w, c)}`);
  });
});
