import { tf } from '../tf.js';
import { ElementwiseProgram, f32, type WebGpuBackendLike } from './webgpu-elementwise.js';

/*
 * Batch-norm training (NHWC, statistics over N, H, W) in fused WebGPU kernels. With tf ops one training BN costs
 * about 25 launches (moments, rsqrt, normalise, scale, shift; two running averages of three ops each; a backward
 * of ten); a ResNet has one per conv. These kernels do the elementwise parts in one launch each, recomputing
 * xhat = (x - mean) / sqrt(var + eps) where it is needed instead of storing it:
 *
 *   GbmBatchNormApply   y = xhat * gamma + beta
 *   GbmBatchNormDyXhat  dy * xhat                 (summed over N, H, W by tf.sum: dgamma)
 *   GbmBatchNormDx      dx = gamma / sqrt(var + eps) * (dy - sum(dy) / n - xhat * sum(dy xhat) / n)
 *   GbmEma              a * old + b * new         (running mean and variance)
 *
 * Channel c of flat index i is i % C. The kit's analytic batchNormTrain (models/layers.ts) uses them when the
 * backend has them and plain tf ops otherwise, with the same formulas.
 */

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: WebGpuBackendLike; attrs: Record<string, unknown> };

const XHAT = '((x[index] - mean[index % uniforms.channels]) * inverseSqrt(variance[index % uniforms.channels] + uniforms.eps))';

function channelsOf(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

function applyKernel({ inputs: { x, mean, variance, gamma, beta }, backend, attrs }: KernelArgs): tf.TensorInfo {
  const p = new ElementwiseProgram(['x', 'mean', 'variance', 'gamma', 'beta'], 'eps : f32, channels : i32,', 'gbmBatchNormApply', x.shape,
    `${XHAT} * gamma[index % uniforms.channels] + beta[index % uniforms.channels]`);
  return backend.runWebGPUProgram(p, [x, mean, variance, gamma, beta], 'float32', [...f32(attrs.eps as number), { type: 'int32', data: [channelsOf(x)] }]);
}

function dyXhatKernel({ inputs: { dy, x, mean, variance }, backend, attrs }: KernelArgs): tf.TensorInfo {
  const p = new ElementwiseProgram(['dy', 'x', 'mean', 'variance'], 'eps : f32, channels : i32,', 'gbmBatchNormDyXhat', x.shape, `dy[index] * ${XHAT}`);
  return backend.runWebGPUProgram(p, [dy, x, mean, variance], 'float32', [...f32(attrs.eps as number), { type: 'int32', data: [channelsOf(x)] }]);
}

function dxKernel({ inputs: { dy, x, mean, variance, gamma, sumDy, sumDyXhat }, backend, attrs }: KernelArgs): tf.TensorInfo {
  const c = 'index % uniforms.channels';
  const p = new ElementwiseProgram(['dy', 'x', 'mean', 'variance', 'gamma', 'sumDy', 'sumDyXhat'], 'eps : f32, invN : f32, channels : i32,', 'gbmBatchNormDx', x.shape,
    `gamma[${c}] * inverseSqrt(variance[${c}] + uniforms.eps) * (dy[index] - sumDy[${c}] * uniforms.invN - ${XHAT} * sumDyXhat[${c}] * uniforms.invN)`);
  return backend.runWebGPUProgram(p, [dy, x, mean, variance, gamma, sumDy, sumDyXhat], 'float32',
    [...f32(attrs.eps as number, 1 / (attrs.n as number)), { type: 'int32', data: [channelsOf(x)] }]);
}

function emaKernel({ inputs: { old, cur }, backend, attrs }: KernelArgs): tf.TensorInfo {
  const p = new ElementwiseProgram(['old', 'cur'], 'a : f32, b : f32,', 'gbmEma', old.shape, 'uniforms.a * old[index] + uniforms.b * cur[index]');
  return backend.runWebGPUProgram(p, [old, cur], 'float32', f32(attrs.a as number, attrs.b as number));
}

const KERNELS: Record<string, (args: KernelArgs) => tf.TensorInfo> = {
  GbmBatchNormApply: applyKernel, GbmBatchNormDyXhat: dyXhatKernel, GbmBatchNormDx: dxKernel, GbmEma: emaKernel,
};

/** Register (or, with false, remove: the tf-op path then runs) the fused batch-norm kernels for webgpu; idempotent. */
export function registerWebGpuBatchNorm(on = true): void {
  for (const [kernelName, fn] of Object.entries(KERNELS)) {
    const present = tf.getKernel(kernelName, 'webgpu') != null;
    if (on && !present) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: fn as unknown as tf.KernelFunc });
    if (!on && present) tf.unregisterKernel(kernelName, 'webgpu');
  }
}

/** Whether the current backend has the fused batch-norm kernels (webgpu after activation). */
export function hasFusedBatchNorm(): boolean {
  return tf.getKernel('GbmBatchNormApply', tf.getBackend()) != null;
}
