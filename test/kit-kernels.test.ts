import assert from 'node:assert/strict';
import { initBackend, switchBackend } from '../src/backend/index.js';
import { KIT_KERNEL_NAMES } from '../src/backend/kernels/names.js';
import { kitKernels, parseKernelChoice, useKernels } from '../src/backend/kernels/registry.js';
import { stockKernel } from '../src/backend/kernels/swap.js';
import { runningAverage, sgdMomentumStep } from '../src/backend/ops.js';
import { tf } from '../src/backend/tf.js';
import { GbmError } from '../src/util/errors.js';
import { checkBatchNormKernels } from './helpers.js';

/*
 * The kit's kernels dispatched by name (backend/kernels/registry.ts): every backend has every kit kernel, the
 * plain-op versions agree with float64 on cpu and wasm (webgpu-kernels.test.ts checks the fused ones), and one
 * switch puts tfjs's own kernels back.
 */
describe('kit kernels: one list per backend, dispatched by name', () => {
  after(async () => {
    useKernels('kit');
    await initBackend('wasm');
  });

  it('gives every backend every kit kernel name (its own version or the plain-op one)', async () => {
    for (const backend of ['cpu', 'wasm', 'webgpu', 'tensorflow']) {
      const names = kitKernels(backend).map((c) => c.kernelName);
      for (const name of KIT_KERNEL_NAMES) assert.ok(names.includes(name), `${backend} lacks ${name}`);
      assert.ok(
        kitKernels(backend).every((c) => c.backendName === backend),
        `${backend}'s list names another backend`,
      );
    }
    for (const backend of ['cpu', 'wasm'] as const) {
      await switchBackend(backend);
      await initBackend(backend);
      for (const name of KIT_KERNEL_NAMES) assert.ok(tf.getKernel(name, backend), `${name} not registered on ${backend}`);
    }
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`computes batch norm, its gradient, SGD with momentum and running averages as float64 does on ${backend}`, async () => {
      await switchBackend(backend);
      await checkBatchNormKernels();
      const n = 257;
      const w = tf.randomNormal([n], 0, 1, 'float32', 91);
      const g = tf.randomNormal([n], 0, 1, 'float32', 92);
      const v = tf.randomNormal([n], 0, 1, 'float32', 93);
      const [wv, gv, vv] = await Promise.all([w, g, v].map((t) => t.data()));
      for (const decay of [0, 5e-4]) {
        const [v2, w2] = sgdMomentumStep(w, g, v, { lr: 0.05, momentum: 0.9, decay });
        const [v2v, w2v] = [await v2.data(), await w2.data()];
        for (let i = 0; i < n; i++) {
          const vr = 0.9 * vv[i] + gv[i] + decay * wv[i];
          assert.ok(Math.abs(v2v[i] - vr) < 1e-6 * (1 + Math.abs(vr)), `decay ${decay}: v'[${i}] ${v2v[i]} vs ${vr}`);
          assert.ok(Math.abs(w2v[i] - (wv[i] - 0.05 * vr)) < 1e-6 * (1 + Math.abs(wv[i])), `decay ${decay}: w'[${i}]`);
        }
        tf.dispose([v2, w2]);
      }
      const avg = await runningAverage(w, g, 0.9, 0.1).data();
      for (let i = 0; i < n; i++) assert.ok(Math.abs(avg[i] - (0.9 * wv[i] + 0.1 * gv[i])) < 1e-6 * (1 + Math.abs(wv[i])), `ema[${i}]`);
      tf.dispose([w, g, v]);
    });
  }

  it("switches wasm to tfjs's own kernels and back with one call, keeping the ones tfjs lacks", async () => {
    await switchBackend('wasm');
    const stockMatMul = stockKernel('BatchMatMul', 'wasm');
    assert.ok(stockMatMul, 'tfjs-backend-wasm registers a BatchMatMul');
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, stockMatMul.kernelFunc, 'kit: the per-item BatchMatMul');
    const product = async () => {
      const a = tf.randomNormal([5, 7, 9], 0, 1, 'float32', 1);
      const b = tf.randomNormal([5, 9, 4], 0, 1, 'float32', 2);
      const c = tf.matMul(a, b);
      const out = await c.data();
      tf.dispose([a, b, c]);
      return out;
    };
    const kit = await product();
    useKernels('stock');
    assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, stockMatMul.kernelFunc, 'stock: BatchMatMul is tfjs-backend-wasm`s');
    assert.equal(stockKernel('Conv2DBackpropFilter', 'wasm'), null, 'tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'the kit`s dW stays: there is no stock one to fall back to');
    for (const name of KIT_KERNEL_NAMES) assert.ok(tf.getKernel(name, 'wasm'), `${name} (plain ops) stays under stock`);
    const stock = await product();
    kit.forEach((x, i) => assert.ok(Math.abs(x - stock[i]) < 1e-4, `[${i}] kit ${x} vs stock ${stock[i]}`));
    useKernels('kit');
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, stockMatMul.kernelFunc, 'kit again');
  });

  it('refuses an unknown GBM_KERNELS value, naming the variable and the choices', () => {
    assert.throws(
      () => parseKernelChoice('fast'),
      (e: unknown) => e instanceof GbmError && /GBM_KERNELS/.test(e.message) && /kit, stock/.test(e.message),
    );
  });
});
