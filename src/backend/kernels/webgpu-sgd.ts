import { tf } from '../tf.js';

/*
 * The SGD-with-momentum update as two WebGPU launches per variable instead of about ten tf ops (momentum: mul, add,
 * mul, add; L2 weight decay through the loss: square, sum, addN and their gradients). Kernel launches, not FLOPs,
 * dominate a small network's training step on WebGPU (about 2,260 per ResNet-18 step with tf ops,
 * ../shared/docs/environment.md), and the update is the one place where they are pure overhead.
 *
 *   v <- momentum * v + g + decay * w        (velocity; PyTorch's SGD with weight_decay)
 *   w <- w - lr * v
 */

interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  size: boolean;
  getUserCode(): string;
}
interface WebGpuBackendLike {
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], dtype: 'float32', uniforms: { type: string; data: number[] }[]): tf.TensorInfo;
}

class ElementwiseProgram implements Program {
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  size = true;
  constructor(public variableNames: string[], public uniforms: string, public shaderKey: string, shape: number[], private expr: string) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.ceil(shape.reduce((a, b) => a * b, 1) / 256), 1, 1];
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, ${this.expr});
        }
      }
    `;
  }
}

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: WebGpuBackendLike; attrs: Record<string, unknown> };

/** v' = momentum v + g + decay w, as one launch. */
function velocityKernel({ inputs: { v, g, w }, backend, attrs }: KernelArgs): tf.TensorInfo {
  const program = new ElementwiseProgram(['v', 'g', 'w'], 'momentum : f32, decay : f32,', 'gbmSgdVelocity', w.shape,
    'uniforms.momentum * v[index] + g[index] + uniforms.decay * w[index]');
  return backend.runWebGPUProgram(program, [v, g, w], 'float32', [{ type: 'float32', data: [attrs.momentum as number] }, { type: 'float32', data: [attrs.decay as number] }]);
}

/** w' = w - lr v', as one launch. */
function stepKernel({ inputs: { w, v }, backend, attrs }: KernelArgs): tf.TensorInfo {
  const program = new ElementwiseProgram(['w', 'v'], 'lr : f32,', 'gbmSgdStep', w.shape, 'w[index] - uniforms.lr * v[index]');
  return backend.runWebGPUProgram(program, [w, v], 'float32', [{ type: 'float32', data: [attrs.lr as number] }]);
}

/** Register the fused SGD kernels (GbmSgdVelocity, GbmSgdStep) for the webgpu backend; idempotent. */
export function registerWebGpuSgd(): void {
  if (tf.getKernel('GbmSgdVelocity', 'webgpu')) return;
  tf.registerKernel({ kernelName: 'GbmSgdVelocity', backendName: 'webgpu', kernelFunc: velocityKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: 'GbmSgdStep', backendName: 'webgpu', kernelFunc: stepKernel as unknown as tf.KernelFunc });
}

/** One SGD-momentum step with the fused kernels: [new velocity, new weights]; null where the backend has none. */
export function fusedSgdMomentum(w: tf.Tensor, g: tf.Tensor, v: tf.Tensor, lr: number, momentum: number, decay: number): [tf.Tensor, tf.Tensor] | null {
  if (!tf.getKernel('GbmSgdVelocity', tf.getBackend()) || w.dtype !== 'float32' || g.dtype !== 'float32' || w.size === 0) return null;
  const engine = tf.engine();
  const vNew = engine.runKernel('GbmSgdVelocity', { v, g, w }, { momentum, decay }) as tf.Tensor;
  const wNew = engine.runKernel('GbmSgdStep', { w, v: vNew }, { lr }) as tf.Tensor;
  return [vNew, wNew];
}
