import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { countWebGpuDispatches } from '../src/backend/webgpu.js';
import { sgdMomentum } from '../src/train/sgd.js';
import { requireWebGpu } from './helpers.js';

/** Three steps of SGD with momentum and L2 decay by its definition, in float64: the reference for both paths. */
function sgdReference(w0: Float32Array, grads: Float32Array[], lr: number, m: number, wd: number): Float64Array {
  const w = Float64Array.from(w0);
  const v = new Float64Array(w.length);
  for (const g of grads) {
    for (let i = 0; i < w.length; i++) {
      v[i] = m * v[i] + g[i] + wd * w[i];
      w[i] -= lr * v[i];
    }
  }
  return w;
}

/** Run three steps on a fresh variable with fixed gradients; returns the weights, the state names and the kernels of one step. */
async function threeSteps(name: string) {
  const w = tf.variable(tf.randomNormal([5, 7], 0, 1, 'float32', 51), true, name);
  const grads = [52, 53, 54].map((s) => tf.randomNormal([5, 7], 0, 1, 'float32', s));
  const opt = sgdMomentum(0.1, 0.9, 0.01);
  const w0 = Float32Array.from(await w.data());
  opt.applyGradients({ [name]: grads[0] });
  opt.setLearningRate(0.05);
  const prof = await tf.profile(() => opt.applyGradients({ [name]: grads[1] }));
  opt.applyGradients({ [name]: grads[2] });
  const out = {
    w: Float32Array.from(await w.data()),
    w0,
    grads: await Promise.all(grads.map(async (g) => Float32Array.from(await g.data()))),
    state: (await opt.getWeights()).map((s) => s.name),
    kernels: prof.kernels.map((k) => k.name),
  };
  opt.dispose();
  tf.dispose([w, ...grads]);
  return out;
}

/** The float64 reference for the learning rates threeSteps uses (0.1, then 0.05 twice). */
function reference(r: Awaited<ReturnType<typeof threeSteps>>): Float64Array {
  const after1 = sgdReference(r.w0, [r.grads[0]], 0.1, 0.9, 0.01);
  // Velocity after step 1 is (w0 - w1) / 0.1; continue from it at lr 0.05.
  const w = Float64Array.from(after1);
  const v = new Float64Array(w.length).map((_, i) => (r.w0[i] - after1[i]) / 0.1);
  for (const g of r.grads.slice(1))
    for (let i = 0; i < w.length; i++) {
      v[i] = 0.9 * v[i] + g[i] + 0.01 * w[i];
      w[i] -= 0.05 * v[i];
    }
  return w;
}

describe('SgdMomentum: SGD with momentum and weight decay in the update', () => {
  after(async () => {
    await initBackend('wasm');
  });

  it('on wasm: matches a float64 reference, and tfjs momentum with the L2 penalty in the loss', async () => {
    await initBackend('wasm');
    const r = await threeSteps('sgd-wasm');
    const ref = reference(r);
    r.w.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `w[${i}]: ${v} vs float64 ${ref[i]}`));
    assert.deepEqual(r.state, ['iter', 'sgd-wasm/momentum']); // tfjs MomentumOptimizer's layout: old checkpoints load
    // The same minimiser as tfjs's momentum optimizer on loss + wd/2 |w|^2 (what the trainer did before).
    const w = tf.variable(tf.tensor(r.w0, [5, 7]), true, 'sgd-wasm-l2');
    const tfOpt = tf.train.momentum(0.1, 0.9);
    const gs = r.grads.map((g) => tf.tensor(g, [5, 7]));
    gs.forEach((g, k) => {
      if (k === 1) tfOpt.setLearningRate(0.05);
      tfOpt.minimize(() => tf.add(tf.sum(tf.mul(w, g)), tf.mul(0.005, tf.sum(tf.square(w)))) as tf.Scalar, false, [w]);
    });
    const viaLoss = await w.data();
    r.w.forEach((v, i) => assert.ok(Math.abs(v - viaLoss[i]) < 1e-5, `w[${i}]: ${v} vs tfjs ${viaLoss[i]}`));
    tfOpt.dispose();
    tf.dispose([w, ...gs]);
  });

  it('on webgpu: the fused kernel matches the float64 reference, one kernel and two launches per variable', async function () {
    await requireWebGpu(this);
    const r = await threeSteps('sgd-webgpu');
    const ref = reference(r);
    r.w.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `w[${i}]: ${v} vs float64 ${ref[i]}`));
    assert.deepEqual(r.kernels, ['GbmSgdMomentum'], `kernels: ${r.kernels.join(', ')}`);
    assert.deepEqual(r.state, ['iter', 'sgd-webgpu/momentum']);
    // The one kit kernel is two GPU launches (velocity, then weights).
    const w = tf.variable(tf.randomNormal([5, 7], 0, 1, 'float32', 55), true, 'sgd-webgpu-launches');
    const g = tf.randomNormal([5, 7], 0, 1, 'float32', 56);
    const opt = sgdMomentum(0.1, 0.9, 0.01);
    opt.applyGradients({ 'sgd-webgpu-launches': g });
    assert.equal(await countWebGpuDispatches(() => opt.applyGradients({ 'sgd-webgpu-launches': g })), 2);
    opt.dispose();
    tf.dispose([w, g]);
  });
});
