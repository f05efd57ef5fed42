import type { tf } from '../tf.js';
import { GbmSgdMomentum, type GbmSgdMomentumAttrs } from './names.js';
import { sgdMomentumPlain } from './plain.js';
import { ElementwiseProgram, f32, type WebGpuKernelArgs } from './webgpu-elementwise.js';

/*
 * The SGD-with-momentum update as two WebGPU launches per variable instead of about ten tf ops (momentum: mul, add,
 * mul, add; L2 weight decay through the loss: square, sum, addN and their gradients). Kernel launches, not FLOPs,
 * dominate a small network's training step on WebGPU (about 2,260 per ResNet-18 step with tf ops,
 * ../shared/docs/environment.md), and the update is the one place where they are pure overhead.
 *
 *   v <- momentum * v + g + decay * w        (velocity; PyTorch's SGD with weight_decay)
 *   w <- w - lr * v
 */

/** [v', w'] in two launches; other dtypes and empty variables go to the plain-op kernel. */
function sgdMomentum(args: WebGpuKernelArgs): tf.TensorInfo[] {
  const {
    inputs: { w, g, v },
    backend,
    attrs,
  } = args;
  const { lr, momentum, decay } = attrs as unknown as GbmSgdMomentumAttrs;
  if (w.dtype !== 'float32' || g.dtype !== 'float32' || v.dtype !== 'float32' || w.shape.reduce((p, d) => p * d, 1) === 0) return sgdMomentumPlain(args);
  const velocity = new ElementwiseProgram(
    ['v', 'g', 'w'],
    'momentum : f32, decay : f32,',
    'gbmSgdVelocity',
    w.shape,
    'uniforms.momentum * v[index] + g[index] + uniforms.decay * w[index]',
  );
  const vNew = backend.runWebGPUProgram(velocity, [v, g, w], 'float32', f32(momentum, decay));
  const step = new ElementwiseProgram(['w', 'v'], 'lr : f32,', 'gbmSgdStep', w.shape, 'w[index] - uniforms.lr * v[index]');
  return [vNew, backend.runWebGPUProgram(step, [w, vNew], 'float32', f32(lr))];
}

/** The fused SGD update for webgpu. */
export const webgpuSgdConfigs: tf.KernelConfig[] = [{ kernelName: GbmSgdMomentum, backendName: 'webgpu', kernelFunc: sgdMomentum as unknown as tf.KernelFunc }];
