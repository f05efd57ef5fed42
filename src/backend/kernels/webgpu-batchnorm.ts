import type { tf } from '../tf.js';
import { GbmBatchNormGrad, GbmBatchNormTrain, GbmEma, type GbmBatchNormAttrs } from './names.js';
import { ElementwiseProgram, f32, i32, type WebGpuBackendLike, type WebGpuKernelArgs, type WebGpuProgram } from './webgpu-elementwise.js';

/*
 * Batch-norm training (NHWC, statistics over N, H, W) in fused WebGPU kernels. With tf ops one training BN costs
 * about 25 launches (each sum is a transpose and a reduction; rsqrt, normalise, scale, shift; two running averages
 * of three ops each; a backward of ten), and a ResNet has one per conv. These take 10, recomputing
 * xhat = (x - mean) / sqrt(var + eps) where it is needed instead of storing it:
 *
 *   GbmBatchNormTrain   [y, mean, variance]: per-channel sums (3 launches), then y = xhat * gamma + beta (1)
 *   GbmBatchNormGrad    [dx, dgamma, dbeta]: dbeta = sum(dy), dgamma = sum(dy * xhat) (3 launches), then
 *                       dx = gamma / sqrt(var + eps) * (dy - dbeta / n - xhat * dgamma / n) (1)
 *   GbmEma              a * old + b * new (running mean and variance; 1 each)
 *
 * Channel c of flat index i is i % C. The same kernels in plain tf ops (kernels/plain.ts) run on other backends.
 */

const XHAT = '((x[index] - mean[index % uniforms.channels]) * inverseSqrt(variance[index % uniforms.channels] + uniforms.eps))';

function channelsOf(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

function apply(
  backend: WebGpuBackendLike,
  x: tf.TensorInfo,
  mean: tf.TensorInfo,
  variance: tf.TensorInfo,
  gamma: tf.TensorInfo,
  beta: tf.TensorInfo,
  eps: number,
): tf.TensorInfo {
  const p = new ElementwiseProgram(
    ['x', 'mean', 'variance', 'gamma', 'beta'],
    'eps : f32, channels : i32,',
    'gbmBatchNormApply',
    x.shape,
    `${XHAT} * gamma[index % uniforms.channels] + beta[index % uniforms.channels]`,
  );
  return backend.runWebGPUProgram(p, [x, mean, variance, gamma, beta], 'float32', [...f32(eps), i32(channelsOf(x))]);
}

function dx(
  backend: WebGpuBackendLike,
  inputs: {
    dy: tf.TensorInfo;
    x: tf.TensorInfo;
    mean: tf.TensorInfo;
    variance: tf.TensorInfo;
    gamma: tf.TensorInfo;
    sumDy: tf.TensorInfo;
    sumDyXhat: tf.TensorInfo;
  },
  eps: number,
  rows: number,
): tf.TensorInfo {
  const { dy, x, mean, variance, gamma, sumDy, sumDyXhat } = inputs;
  const c = 'index % uniforms.channels';
  const p = new ElementwiseProgram(
    ['dy', 'x', 'mean', 'variance', 'gamma', 'sumDy', 'sumDyXhat'],
    'eps : f32, invN : f32, channels : i32,',
    'gbmBatchNormDx',
    x.shape,
    `gamma[${c}] * inverseSqrt(variance[${c}] + uniforms.eps) * (dy[index] - sumDy[${c}] * uniforms.invN - ${XHAT} * sumDyXhat[${c}] * uniforms.invN)`,
  );
  return backend.runWebGPUProgram(p, [dy, x, mean, variance, gamma, sumDy, sumDyXhat], 'float32', [...f32(eps, 1 / rows), i32(channelsOf(x))]);
}

function emaKernel({ inputs: { old, cur }, backend, attrs }: WebGpuKernelArgs): tf.TensorInfo {
  const p = new ElementwiseProgram(['old', 'cur'], 'a : f32, b : f32,', 'gbmEma', old.shape, 'uniforms.a * old[index] + uniforms.b * cur[index]');
  return backend.runWebGPUProgram(p, [old, cur], 'float32', f32(attrs.a as number, attrs.b as number));
}

/*
 * Per-channel sums over N, H, W without tfjs's reductions, which transpose an NHWC tensor to put the reduced axes
 * last (a full copy of the activation, and a launch, per sum). Pass 1: workgroups of TCH channels x (256 / TCH)
 * row lanes, one per (channel block, row slice), each thread summing its channel over the slice's rows (threads
 * along channels read consecutive addresses), lanes combined in workgroup memory: partial sums [S, 2, C]. Pass 2:
 * one small elementwise launch per result, adding the S slices.
 *
 *   moments: sums of (x - x[0, c]) and its square (shifted by the first row, so the variance does not cancel)
 *   grads:   sums of dy and of dy * xhat (batch norm's dbeta and dgamma)
 */

const ROWS_PER_THREAD_MIN = 64;
const TARGET_CHANNEL_WORKGROUPS = 512;

class ChannelSumsProgram implements WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [2], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = 'rows : i32, slice : i32, eps : f32,';
  constructor(
    public variableNames: string[],
    private mode: 'moments' | 'grads',
    splits: number,
    channels: number,
    private tch: number,
  ) {
    this.outputShape = [splits, 2, channels];
    this.workgroupSize = [tch, 256 / tch, 1];
    this.dispatch = [Math.ceil(channels / tch), splits, 1];
    this.shaderKey = `gbmChannelSums_${mode}_${tch}`;
  }
  getUserCode(): string {
    const lanes = 256 / this.tch;
    const value =
      this.mode === 'moments'
        ? `let v = x[r * C + c] - x[c];
              a = a + v;
              b = b + v * v;`
        : `let g = dy[r * C + c];
              a = a + g;
              b = b + g * (x[r * C + c] - mean[c]) * inverseSqrt(variance[c] + uniforms.eps);`;
    return `
      var<workgroup> sumA : array<array<f32, ${this.tch}>, ${lanes}>;
      var<workgroup> sumB : array<array<f32, ${this.tch}>, ${lanes}>;

      fn main() {
        let C = uniforms.outShape[2];
        let lx = i32(localId.x);
        let lane = i32(localId.y);
        let c = i32(workgroupId.x) * ${this.tch} + lx;
        let split = i32(workgroupId.y);
        let start = split * uniforms.slice;
        let end = min(start + uniforms.slice, uniforms.rows);
        var a = 0.0;
        var b = 0.0;
        if (c < C) {
          for (var r = start + lane; r < end; r += ${lanes}) {
            ${value}
          }
        }
        sumA[lane][lx] = a;
        sumB[lane][lx] = b;
        workgroupBarrier();
        if (lane == 0 && c < C) {
          var ta = 0.0;
          var tb = 0.0;
          for (var k = 0; k < ${lanes}; k++) {
            ta = ta + sumA[k][lx];
            tb = tb + sumB[k][lx];
          }
          result[(split * 2) * C + c] = ta;
          result[(split * 2 + 1) * C + c] = tb;
        }
      }
    `;
  }
}

/** How the rows are cut: enough workgroups to fill a large GPU, at least ROWS_PER_THREAD_MIN rows per thread lane. */
function planChannelSplits(rows: number, channels: number, tch: number): { splits: number; slice: number } {
  const blocks = Math.ceil(channels / tch);
  const lanes = 256 / tch;
  const maxSplits = Math.max(1, Math.floor(rows / (lanes * ROWS_PER_THREAD_MIN)));
  const splits0 = Math.min(maxSplits, Math.max(1, Math.ceil(TARGET_CHANNEL_WORKGROUPS / blocks)));
  const slice = Math.ceil(rows / splits0);
  return { splits: Math.ceil(rows / slice), slice };
}

/** Pass 1 for a [rows, C] view of NHWC tensors: partial sums [S, 2, C]. */
function channelPartials(
  backend: WebGpuBackendLike,
  mode: 'moments' | 'grads',
  inputs: tf.TensorInfo[],
  names: string[],
  x: tf.TensorInfo,
  eps: number,
): { partial: tf.TensorInfo; rows: number; splits: number } {
  const channels = channelsOf(x);
  const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
  const tch = channels <= 16 ? 16 : channels <= 32 ? 32 : 64;
  const plan = planChannelSplits(rows, channels, tch);
  const partial = backend.runWebGPUProgram(new ChannelSumsProgram(names, mode, plan.splits, channels, tch), inputs, 'float32', [
    i32(rows),
    i32(plan.slice),
    ...f32(eps),
  ]);
  return { partial, rows, splits: plan.splits };
}

/**
 * Pass 2: one [C] result from the partials, `expr` over sA / sB (the summed halves) and, with `shift`, x (whose first
 * row shifted the moments). Only inputs the shader reads may be bound: WGSL drops unused bindings from the layout.
 */
function finishChannels(
  backend: WebGpuBackendLike,
  partial: tf.TensorInfo,
  x: tf.TensorInfo,
  splits: number,
  rows: number,
  key: string,
  expr: string,
  shift = false,
): tf.TensorInfo {
  const channels = channelsOf(x);
  const sums = `var sA = 0.0;
          var sB = 0.0;
          for (var s = 0; s < uniforms.splits; s++) {
            sA = sA + partial[(s * 2) * uniforms.size + index];
            sB = sB + partial[(s * 2 + 1) * uniforms.size + index];
          }`;
  const p = new ElementwiseProgram(shift ? ['partial', 'x'] : ['partial'], 'splits : i32, invRows : f32,', `gbmChannelFinish_${key}`, [channels], expr, sums);
  return backend.runWebGPUProgram(p, shift ? [partial, x] : [partial], 'float32', [i32(splits), ...f32(1 / rows)]);
}

/** [mean, biased variance] over N, H, W of an NHWC tensor, in three launches. */
function moments(backend: WebGpuBackendLike, x: tf.TensorInfo): [tf.TensorInfo, tf.TensorInfo] {
  const { partial, rows, splits } = channelPartials(backend, 'moments', [x], ['x'], x, 0);
  const mean = finishChannels(backend, partial, x, splits, rows, 'mean', 'x[index] + sA * uniforms.invRows', true);
  const variance = finishChannels(
    backend,
    partial,
    x,
    splits,
    rows,
    'var',
    'max(sB * uniforms.invRows - (sA * uniforms.invRows) * (sA * uniforms.invRows), 0.0)',
  );
  backend.disposeData(partial.dataId);
  return [mean, variance];
}

/** [y, mean, variance] of batch norm in training mode, in four launches. */
function batchNormTrain({ inputs: { x, gamma, beta }, backend, attrs }: WebGpuKernelArgs): tf.TensorInfo[] {
  const [mean, variance] = moments(backend, x);
  return [apply(backend, x, mean, variance, gamma, beta, (attrs as unknown as GbmBatchNormAttrs).eps), mean, variance];
}

/** [dx, dgamma, dbeta] of batch norm in training mode, in four launches. */
function batchNormGrad({ inputs: { dy, x, mean, variance, gamma }, backend, attrs }: WebGpuKernelArgs): tf.TensorInfo[] {
  const { eps } = attrs as unknown as GbmBatchNormAttrs;
  const { partial, rows, splits } = channelPartials(backend, 'grads', [dy, x, mean, variance], ['dy', 'x', 'mean', 'variance'], x, eps);
  const sumDy = finishChannels(backend, partial, x, splits, rows, 'a', 'sA');
  const sumDyXhat = finishChannels(backend, partial, x, splits, rows, 'b', 'sB');
  backend.disposeData(partial.dataId);
  return [dx(backend, { dy, x, mean, variance, gamma, sumDy, sumDyXhat }, eps, rows), sumDyXhat, sumDy];
}

/** The fused batch-norm kernels for webgpu. */
export const webgpuBatchNormConfigs: tf.KernelConfig[] = (
  [
    [GbmBatchNormTrain, batchNormTrain],
    [GbmBatchNormGrad, batchNormGrad],
    [GbmEma, emaKernel],
  ] as const
).map(([kernelName, f]) => ({ kernelName, backendName: 'webgpu', kernelFunc: f as unknown as tf.KernelFunc }));
