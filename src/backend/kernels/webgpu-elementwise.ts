import type { tf } from '../tf.js';

/*
 * A WebGPU program for one fused elementwise expression over raw input buffers: the building block of the kit's
 * fused kernels (SGD update, batch-norm training), each of which replaces several tf ops, and so several launches,
 * by one. `expr` is WGSL over the inputs by name, `index` (flat output index) and `uniforms.<name>`.
 */

/** The subset of tfjs-backend-webgpu's WebGPUProgram that the kit's programs fill in. */
export interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size?: boolean;
  getUserCode(): string;
}

/** The subset of tfjs-backend-webgpu's WebGPUBackend the kit's kernels call. */
export interface WebGpuBackendLike {
  runWebGPUProgram(program: WebGpuProgram, inputs: tf.TensorInfo[], dtype: 'float32', uniforms?: { type: string; data: number[] }[]): tf.TensorInfo;
  disposeData(dataId: object): void;
}

/** out[index] = expr, one thread per output element, for an output of the given shape (`prelude`: WGSL statements before it). */
export class ElementwiseProgram implements WebGpuProgram {
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  size = true;
  constructor(
    public variableNames: string[],
    public uniforms: string,
    public shaderKey: string,
    shape: number[],
    private expr: string,
    private prelude = '',
  ) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.ceil(shape.reduce((a, b) => a * b, 1) / 256), 1, 1];
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.prelude}
          setOutputAtIndex(index, ${this.expr});
        }
      }
    `;
  }
}

/** What tfjs passes a kernel function on the webgpu backend. */
export type WebGpuKernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: WebGpuBackendLike; attrs: Record<string, unknown> };

/** f32 uniform values as runWebGPUProgram takes them, in the order of the program's `uniforms` declaration. */
export function f32(...values: number[]): { type: string; data: number[] }[] {
  return values.map((v) => ({ type: 'float32', data: [v] }));
}

/** An i32 uniform (a scalar, or a vec2/vec4 from several values). */
export function i32(...values: number[]): { type: string; data: number[] } {
  return { type: 'int32', data: values };
}
