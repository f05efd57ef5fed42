import { tf } from '../tf.js';
import { ElementwiseProgram, f32, setWebGpuKernels, type WebGpuKernelArgs } from './webgpu-elementwise.js';

/*
 * The SGD-with-momentum update as two WebGPU launches per variable instead of about ten tf ops (momentum: mul, add,
 * mul, add; L2 weight decay through the loss: square, sum, addN and their gradients). Kernel launches, not FLOPs,
 * dominate a small network's training step on WebGPU (about 2,260 per ResNet-18 step with tf ops,
 * ../shared/docs/environment.md), and the update is the one place where they are pure overhead.
 *
 *   v <- momentum * v + g + decay * w        (velocity; PyTorch's SGD with weight_decay)
 *   w <- w - lr * v
 */

/** v' = momentum v + g + decay w, as one launch. */
function velocityKernel({ inputs: { v, g, w }, backend, attrs }: WebGpuKernelArgs): tf.TensorInfo {
  const program = new ElementwiseProgram(
    ['v', 'g', 'w'],
    'momentum : f32, decay : f32,',
    'gbmSgdVelocity',
    w.shape,
    'uniforms.momentum * v[index] + g[index] + uniforms.decay * w[index]',
  );
  return backend.runWebGPUProgram(program, [v, g, w], 'float32', f32(attrs.momentum as number, attrs.decay as number));
}

/** w' = w - lr v', as one launch. */
function stepKernel({ inputs: { w, v }, backend, attrs }: WebGpuKernelArgs): tf.TensorInfo {
  const program = new ElementwiseProgram(['w', 'v'], 'lr : f32,', 'gbmSgdStep', w.shape, 'w[index] - uniforms.lr * v[index]');
  return backend.runWebGPUProgram(program, [w, v], 'float32', f32(attrs.lr as number));
}

/** Register (or, with false, remove: plain ops then run) the fused SGD kernels for webgpu; idempotent. */
export function registerWebGpuSgd(on = true): void {
  setWebGpuKernels({ GbmSgdVelocity: velocityKernel, GbmSgdStep: stepKernel }, on);
}

/** One SGD-momentum step with the fused kernels: [new velocity, new weights]; null where the backend has none. */
export function fusedSgdMomentum(w: tf.Tensor, g: tf.Tensor, v: tf.Tensor, lr: number, momentum: number, decay: number): [tf.Tensor, tf.Tensor] | null {
  if (!tf.getKernel('GbmSgdVelocity', tf.getBackend()) || w.dtype !== 'float32' || g.dtype !== 'float32' || w.size === 0) return null;
  const engine = tf.engine();
  const vNew = engine.runKernel('GbmSgdVelocity', { v, g, w }, { momentum, decay }) as tf.Tensor;
  const wNew = engine.runKernel('GbmSgdStep', { w, v: vNew }, { lr }) as tf.Tensor;
  return [vNew, wNew];
}
