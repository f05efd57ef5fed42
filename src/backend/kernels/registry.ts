import { GbmError } from '../../util/errors.js';
import type { tf } from '../tf.js';
import { plainKernelConfigs } from './plain.js';
import { installKernel, stockKernel } from './swap.js';
import { wasmBatchMatMulConfig } from './wasm-batch-matmul.js';
import { wasmConvGradConfigs } from './wasm-conv-grad.js';
import { webgpuBatchNormConfigs } from './webgpu-batchnorm.js';
import { webgpuConvGradConfigs } from './webgpu-conv-grad.js';
import { webgpuSgdConfigs } from './webgpu-sgd.js';

/*
 * Which kernels each backend registers, in one place (as each tfjs backend's register_all_kernels.ts). Every
 * backend gets every kit kernel name (kernels/names.ts): its own fast version where one exists, the plain-op one
 * otherwise, so ops (backend/ops.ts) dispatch by name with no per-backend branch. One switch, `kit` or `stock`,
 * chooses between the kit's kernels and tfjs's own (plain ops for the kit's names; a kernel tfjs lacks, such as
 * wasm's Conv2DBackpropFilter, stays).
 */

/** `kit`: the kit's kernels (the default); `stock`: tfjs's own wherever it has one, for benchmarks and comparisons. */
export const KERNEL_CHOICES = ['kit', 'stock'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];

/** The kernels the kit registers for a backend under `kit`. */
export function kitKernels(backendName: string): tf.KernelConfig[] {
  const own: Record<string, tf.KernelConfig[]> = {
    wasm: [wasmBatchMatMulConfig, ...wasmConvGradConfigs],
    webgpu: [...webgpuConvGradConfigs, ...webgpuBatchNormConfigs, ...webgpuSgdConfigs],
  };
  const list = own[backendName] ?? [];
  const covered = new Set(list.map((c) => c.kernelName));
  return [...list, ...plainKernelConfigs(backendName).filter((c) => !covered.has(c.kernelName))];
}

/** The kernels a backend runs under `stock`: tfjs's own where it has one, plain ops for the kit's names. */
function stockKernels(backendName: string): tf.KernelConfig[] {
  const plain = new Map(plainKernelConfigs(backendName).map((c) => [c.kernelName, c]));
  return kitKernels(backendName).map((c) => stockKernel(c.kernelName, backendName) ?? plain.get(c.kernelName) ?? c);
}

let choice: KernelChoice = 'kit';
const registered = new Set<string>();

/** Register the chosen kernels for one backend (call after its module is loaded; idempotent). */
export function registerKernels(backendName: string): void {
  registered.add(backendName);
  const list = choice === 'kit' ? kitKernels(backendName) : stockKernels(backendName);
  for (const config of list) installKernel(config);
}

/** Register a backend's kernels the first time an op runs on it (a backend set with tf.setBackend directly). */
export function ensureKernels(backendName: string): void {
  if (!registered.has(backendName)) registerKernels(backendName);
}

/** Switch every backend registered so far, and those registered later, to the kit's kernels or tfjs's own. */
export function useKernels(which: KernelChoice): void {
  choice = which;
  for (const b of registered) registerKernels(b);
}

/** The current choice (printed with the backend). */
export function kernelChoice(): KernelChoice {
  return choice;
}

/** Check a kernel choice (from GBM_KERNELS) before any work starts. */
export function parseKernelChoice(value: string): KernelChoice {
  if ((KERNEL_CHOICES as readonly string[]).includes(value)) return value as KernelChoice;
  throw new GbmError(`unknown kernel choice "${value}" (from GBM_KERNELS).`, `use one of ${KERNEL_CHOICES.join(', ')}.`);
}
