import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { planSplits, stockWebGpuFilterGrad, useWebGpuFilterGrad } from '../src/backend/kernels/webgpu-conv-grad.js';
import { tf } from '../src/backend/tf.js';
import { requireWebGpu } from './helpers.js';
import { conv2dFilterGrad64 } from './reference/conv64.js';

/*
 * The webgpu Conv2DBackpropFilter (split-K implicit GEMM) on whatever WebGPU adapter this machine has: on CPU-only
 * machines Mesa's software rasteriser (lavapipe, Mesa >= 25; `GBM_WEBGPU_SOFTWARE=1 bash scripts/install-system.sh`).
 * CI installs it and sets GBM_REQUIRE_WEBGPU=1, so there these tests run or fail, never skip.
 */
describe('kernels: webgpu Conv2DBackpropFilter (split-K implicit GEMM) by name', function () {
  this.timeout(300000);

  before(async function () {
    await requireWebGpu(this);
    useWebGpuFilterGrad('gbm');
  });
  after(async () => { await initBackend('wasm'); });

  type Case = { x: [number, number, number, number]; f: [number, number, number, number]; s: [number, number]; pad: 'same' | 'valid' | number };
  const cases: Case[] = [
    { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: [1, 1], pad: 'same' }, // K = 27 and CO = 4: one partial tile
    { x: [2, 9, 8, 5], f: [3, 3, 5, 24], s: [2, 2], pad: 'same' },
    { x: [3, 10, 10, 16], f: [1, 1, 16, 40], s: [2, 2], pad: 'valid' }, // CO = 40: a 64-wide tile, partly empty
    { x: [1, 9, 11, 2], f: [5, 3, 2, 3], s: [2, 1], pad: 'same' }, // non-square filter and stride
    { x: [2, 8, 8, 8], f: [3, 3, 8, 70], s: [1, 1], pad: 1 }, // K = 72 > 64 rows, CO = 70 > 64 columns
    { x: [32, 12, 12, 16], f: [3, 3, 16, 32], s: [1, 1], pad: 'same' }, // M = 4608: the m axis split across workgroups
  ];

  /** x, dy and the pads tfjs uses, for one case. */
  const setup = (c: Case) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 31) as tf.Tensor4D;
    const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad, undefined, false, 'channelsLast');
    const dy = tf.randomNormal([c.x[0], info.outHeight, info.outWidth, c.f[3]], 0, 1, 'float32', 32) as tf.Tensor4D;
    return { x, dy, pads: [info.padInfo.top, info.padInfo.left] as const, m: c.x[0] * info.outHeight * info.outWidth };
  };
  const attrs = (c: Case) => ({ strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f });

  for (const c of cases) {
    it(`matches a float64 reference and the stock kernel for x [${c.x}], filter [${c.f}], stride ${c.s}, pad ${c.pad}`, async () => {
      const { x, dy, pads } = setup(c);
      const ours = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs(c)) as tf.Tensor;
      const stockInfo = stockWebGpuFilterGrad()!({ inputs: { x, dy }, backend: tf.backend(), attrs: attrs(c) } as never) as tf.TensorInfo;
      const stock = tf.engine().makeTensorFromTensorInfo(stockInfo);
      assert.deepEqual(ours.shape, c.f);
      const [got, st] = [await ours.data(), await stock.data()];
      const ref = conv2dFilterGrad64(await x.data(), c.x, await dy.data(), dy.shape, [c.f[0], c.f[1]], c.s, pads);
      const scale = Math.max(...ref.map(Math.abs));
      for (let i = 0; i < ref.length; i++) {
        assert.ok(Math.abs(got[i] - ref[i]) <= 1e-5 * scale + 1e-6, `dW[${i}]: ${got[i]} vs float64 ${ref[i]}`);
        assert.ok(Math.abs(got[i] - st[i]) <= 1e-5 * scale + 1e-6, `dW[${i}]: ${got[i]} vs stock ${st[i]}`);
      }
      tf.dispose([x, dy, ours, stock]);
    });
  }

  it('splits a long m axis into slices (and a short one not), each slice a multiple of 16 rows covering m once', () => {
    const big = planSplits(32 * 12 * 12, 144, 32);
    assert.ok(big.splits > 1, `splits ${big.splits}`);
    assert.equal(big.slice % 16, 0);
    assert.ok(big.splits * big.slice >= 32 * 12 * 12 && (big.splits - 1) * big.slice < 32 * 12 * 12);
    assert.equal(planSplits(98, 27, 4).splits, 1);
    assert.ok(planSplits(4608, 4608, 512).splits <= 2); // 576 output tiles already fill the GPU: little to split
    assert.ok(planSplits(1 << 20, 27, 16).slice >= 256); // never slices so thin that partial sums dominate
  });

  it('gives the same gradients through tf.grads as the cpu backend, and leaks no tensor or GPU buffer', async () => {
    const c: Case = { x: [4, 8, 8, 6], f: [3, 3, 6, 10], s: [2, 2], pad: 'same' };
    const grads = async () => {
      const [gx, gf] = tf.tidy(() => {
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 41);
        const f = tf.randomNormal(c.f, 0, 1, 'float32', 42);
        const r = tf.randomNormal(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad).shape, 0, 1, 'float32', 43);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)))([x, f]);
      });
      const out = [await gx.data(), await gf.data()];
      tf.dispose([gx, gf]);
      return out;
    };
    const gpu = await grads();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) await grads();
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
    await tf.setBackend('cpu');
    const cpu = await grads();
    await tf.setBackend('webgpu');
    for (const k of [0, 1]) {
      const scale = Math.max(...Array.from(cpu[k], Math.abs));
      cpu[k].forEach((v, i) => assert.ok(Math.abs(gpu[k][i] - v) <= 1e-5 * scale + 1e-6, `${k ? 'dW' : 'dx'}[${i}]: ${gpu[k][i]} vs cpu ${v}`));
    }
  });
});
