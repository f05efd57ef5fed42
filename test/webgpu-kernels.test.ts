import assert from 'node:assert/strict';
import { initBackend, switchBackend } from '../src/backend/index.js';
import { planSplits } from '../src/backend/kernels/webgpu-conv-grad.js';
import { useKernels } from '../src/backend/kernels/registry.js';
import { callStock } from '../src/backend/kernels/swap.js';
import { batchNormTrainForward, batchNormTrainGrad } from '../src/backend/ops.js';
import { checkBatchNormKernels, requireWebGpu } from './helpers.js';
import { tf } from '../src/backend/tf.js';
import { countWebGpuDispatches } from '../src/backend/webgpu.js';
import { batchNorm, conv, dense, type Pass } from '../src/models/layers.js';
import { ParamStore } from '../src/models/params.js';
import { sgdMomentum } from '../src/train/sgd.js';
import { buildNet } from '../src/models/nets.js';
import { TRAIN_DEFAULTS, trainNet } from '../src/train/trainer.js';

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
    useKernels('kit');
  });
  after(async () => {
    await initBackend('wasm');
  });

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
      const stockInfo = callStock('Conv2DBackpropFilter', 'webgpu', { inputs: { x, dy }, backend: tf.backend(), attrs: attrs(c) }) as tf.TensorInfo;
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

  it("tfjs's matmul Conv2DBackpropInput (train-bench's kit+mm-dx variant) agrees with its default naive one", async () => {
    for (const [xs, fs, st] of [
      [[2, 8, 8, 16], [3, 3, 16, 32], 2],
      [[4, 16, 16, 64], [3, 3, 64, 64], 1],
    ] as [[number, number, number, number], [number, number, number, number], number][]) {
      const f = tf.randomNormal(fs, 0, 1, 'float32', 81) as tf.Tensor4D;
      const info = tf.backend_util.computeConv2DInfo(xs, fs, st, 1, 'same');
      const dy = tf.randomNormal([xs[0], info.outHeight, info.outWidth, fs[3]], 0, 1, 'float32', 82) as tf.Tensor4D;
      const dx = async (naive: boolean) => {
        tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', naive);
        const r = tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy, filter: f }, { inputShape: xs, strides: st, pad: 'same', dataFormat: 'NHWC' } as never) as tf.Tensor;
        const v = await r.data();
        r.dispose();
        return v;
      };
      const [naive, mm] = [await dx(true), await dx(false)];
      tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', true);
      const scale = Math.max(...Array.from(naive, Math.abs));
      naive.forEach((v, i) => assert.ok(Math.abs(mm[i] - v) <= 1e-5 * scale, `dx[${i}]: matmul ${mm[i]} vs naive ${v}`));
      tf.dispose([f, dy]);
    }
  });

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

describe('kernels: webgpu fused batch norm and SGD update (a training step)', function () {
  this.timeout(300000);
  before(async function () {
    await requireWebGpu(this);
  });
  after(async () => {
    await initBackend('wasm');
  });

  /** One conv + batch norm + relu + dense step of SgdMomentum on the current backend: loss, new weights, running stats. */
  const step = async () => {
    const ps = new ParamStore(7);
    const c = conv(ps, 'c', 3, 3, 6, 2);
    const bn = batchNorm(ps, 'bn', 6);
    const d = dense(ps, 'd', 6, 4);
    const x = tf.randomNormal([5, 9, 9, 3], 0, 1, 'float32', 61) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1], 'int32'), 4);
    const opt = sgdMomentum(0.1, 0.9, 5e-4);
    const pass: Pass = { training: true, updates: [] };
    let dispatches = 0;
    let cost: tf.Scalar | null = null;
    for (let i = 0; i < 2; i++) {
      const run = () => {
        cost?.dispose();
        cost = tf.tidy(() => {
          const l = opt.minimize(
            () => tf.losses.softmaxCrossEntropy(y, d(tf.mean(tf.relu(bn(c(x), pass)), [1, 2]) as tf.Tensor2D)) as tf.Scalar,
            true,
            ps.trainable(),
          )!;
          for (const u of pass.updates) u.variable.assign(u.value);
          return l;
        });
        tf.dispose(pass.updates.map((u) => u.value));
        pass.updates = [];
      };
      if (i === 1 && tf.getBackend() === 'webgpu') dispatches = await countWebGpuDispatches(run);
      else run();
    }
    const loss = (await cost!.data())[0];
    cost!.dispose();
    const values = await Promise.all(ps.params.map(async (p) => Float64Array.from(await p.variable.data())));
    opt.dispose();
    ps.dispose();
    tf.dispose([x, y]);
    return { loss, values, dispatches };
  };

  it('batch norm (moments, y, channel sums, dx) matches float64, without transposes, even far from zero mean', async () => {
    await checkBatchNormKernels();
    const x = tf.add(tf.randomNormal([16, 16, 16, 16], 0, 1, 'float32', 71), 100) as tf.Tensor4D;
    const gamma = tf.ones([16]) as tf.Tensor1D;
    const beta = tf.zeros([16]) as tf.Tensor1D;
    // Four passes each way (partial sums, one per channel result, then the elementwise one), where tfjs's reductions
    // transpose first.
    assert.equal(await countWebGpuDispatches(() => tf.dispose(batchNormTrainForward(x, gamma, beta, 1e-5))), 4);
    const [, mean, variance] = batchNormTrainForward(x, gamma, beta, 1e-5);
    assert.equal(await countWebGpuDispatches(() => tf.dispose(batchNormTrainGrad(x, x, mean, variance, gamma, 1e-5))), 4);
    tf.dispose([x, gamma, beta, mean, variance]);
  });

  it('matches the cpu backend (weights, running moments, loss) in fewer GPU dispatches than the stock kernels', async () => {
    useKernels('kit');
    const kit = await step();
    useKernels('stock');
    const stock = await step();
    useKernels('kit');
    await tf.setBackend('cpu');
    const cpu = await step();
    await tf.setBackend('webgpu');
    for (const run of [kit, stock]) {
      assert.ok(Math.abs(run.loss - cpu.loss) < 1e-4, `loss ${run.loss} vs cpu ${cpu.loss}`);
      run.values.forEach((v, k) => v.forEach((w, i) => assert.ok(Math.abs(w - cpu.values[k][i]) < 1e-4, `param ${k}[${i}]: ${w} vs cpu ${cpu.values[k][i]}`)));
    }
    assert.ok(kit.dispatches > 0 && kit.dispatches < 0.7 * stock.dispatches, `dispatches per step: kit ${kit.dispatches}, stock ${stock.dispatches}`);
  });

  it("lets trainNet train a ResNet-20 on webgpu (async readbacks only): one step equals the wasm backend's", async () => {
    const count = 16;
    const images = new Uint8Array(count * 32 * 32 * 3).map((_, i) => (Math.imul(i, 2654435761) >>> 24) & 255);
    const set = { images, labels: Int32Array.from({ length: count }, (_, i) => i % 4), count, size: 32, classIds: [0, 1, 2, 3], checksum: 'synthetic' };
    const cfg = { ...TRAIN_DEFAULTS, epochs: 1, batchSize: 16, lr: 0.05, warmupEpochs: 0, augment: false, schedule: 'constant' as const };
    const once = async () => {
      const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 4, width: 1 }, 1);
      const { records } = await trainNet(net, set, set, cfg, { progress: false });
      const values = await Promise.all(net.params.params.map(async (p) => Float64Array.from(await p.variable.data())));
      net.dispose();
      return { rec: records[0], values };
    };
    const gpu = await once();
    await switchBackend('wasm'); // its conv gradients are checked against the cpu backend in kernels.test.ts
    const cpu = await once();
    await tf.setBackend('webgpu');
    assert.ok(
      Math.abs(gpu.rec.trainLoss - cpu.rec.trainLoss) < 1e-4 && Math.abs(gpu.rec.valLoss! - cpu.rec.valLoss!) < 1e-3,
      `losses ${JSON.stringify(gpu.rec)} vs wasm ${JSON.stringify(cpu.rec)}`,
    );
    gpu.values.forEach((v, k) => v.forEach((w, i) => assert.ok(Math.abs(w - cpu.values[k][i]) < 1e-3, `param ${k}[${i}]: ${w} vs cpu ${cpu.values[k][i]}`)));
  });
});
