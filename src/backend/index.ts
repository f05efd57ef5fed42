import { tf } from './tf.js';
import { kernelChoice, parseKernelChoice, registerKernels, useKernels } from './kernels/registry.js';
import { activateWebGpu, hasGpuDeviceNode, probeWebGpu } from './webgpu.js';
import { GbmError } from '../util/errors.js';

/** Backends the kit can run on; `auto` picks the fastest one present. */
export const BACKENDS = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What initBackend chose and why: printed by the CLI and stored in every results file. */
export interface BackendInfo {
  /** The backend the engine now runs on (`wasm`, `cpu`, `webgpu`, `tensorflow`). */
  name: Exclude<BackendName, 'auto'>;
  /** What was asked for. */
  requested: BackendName;
  /** GPU adapter description (webgpu only). */
  adapter?: string;
  /** Notes on the choice, e.g. why a faster backend was skipped. */
  notes: string[];
  /** tfjs version. */
  tfjs: string;
  /** `kit` (the kit's kernels, backend/kernels/registry.ts) or `stock` (tfjs's own; GBM_KERNELS=stock). */
  kernels: 'kit' | 'stock';
}

/** Check a backend name (from GBM_BACKEND or --backend) before any work starts. */
export function parseBackend(value: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new GbmError(`unknown backend "${value}" (from GBM_BACKEND or --backend).`, `use one of ${BACKENDS.join(', ')}.`);
}

function hasNativeTensorflow(): boolean {
  try {
    // The danfo shim also answers to this name; only the real binding registers a 'tensorflow' backend.
    // required at run time, on this path only (an optional module)
    require('@tensorflow/tfjs-node');
  } catch {
    return false;
  }
  return tf.findBackendFactory('tensorflow') != null;
}

async function useWasm(): Promise<void> {
  // required at run time, on this path only (an optional module)
  require('@tensorflow/tfjs-backend-wasm');
  registerKernels('wasm');
  if (!(await tf.setBackend('wasm'))) throw new GbmError('the wasm backend failed to initialise.', 'reinstall with `npm ci`.');
}

let current: BackendInfo | null = null;

/**
 * Pick and initialise the tensor backend once per process: `auto` takes WebGPU on a hardware adapter, else the
 * native tfjs-node binding if the user installed it, else wasm. A forced backend that is missing is an error.
 */
export async function initBackend(requested: string = process.env.GBM_BACKEND || 'auto'): Promise<BackendInfo> {
  const want = parseBackend(requested);
  if (current && (current.requested === want || current.name === want)) {
    if (tf.getBackend() !== current.name) await tf.setBackend(current.name);
    return current;
  }
  tf.enableProdMode();
  useKernels(parseKernelChoice(process.env.GBM_KERNELS || 'kit'));
  const notes: string[] = [];
  const info = (name: BackendInfo['name'], adapter?: string): BackendInfo => {
    registerKernels(name);
    current = { name, requested: want, adapter, notes, tfjs: tf.version.tfjs, kernels: kernelChoice() };
    return current;
  };

  if (want === 'webgpu' || want === 'auto') {
    // auto skips software adapters, so without a GPU device node it does not ask Dawn at all.
    const adapter = want === 'webgpu' || hasGpuDeviceNode() ? await probeWebGpu() : null;
    if (adapter && (want === 'webgpu' || !adapter.software)) {
      await activateWebGpu();
      if (adapter.software) notes.push('software WebGPU adapter: correct but slow');
      return info('webgpu', adapter.description);
    }
    if (want === 'webgpu') {
      throw new GbmError(
        'GBM_BACKEND=webgpu but no WebGPU adapter was found.',
        'install a Vulkan driver (NVIDIA, or Mesa >= 25 for a software adapter) or use GBM_BACKEND=wasm.',
      );
    }
    notes.push(
      adapter
        ? `skipped software WebGPU adapter (${adapter.description})`
        : hasGpuDeviceNode()
          ? 'no WebGPU adapter'
          : 'no GPU device (/dev/nvidia*, /dev/dri/renderD*)',
    );
  }
  if (want === 'tensorflow' || want === 'auto') {
    if (hasNativeTensorflow()) {
      await tf.setBackend('tensorflow');
      return info('tensorflow');
    }
    if (want === 'tensorflow') {
      throw new GbmError(
        'GBM_BACKEND=tensorflow but @tensorflow/tfjs-node (the native binding) is not installed.',
        'run `npm install @tensorflow/tfjs-node@4.22.0` on a machine with internet access, or use GBM_BACKEND=wasm.',
      );
    }
    notes.push('no native tfjs-node');
  }
  if (want === 'cpu') {
    await tf.setBackend('cpu');
    return info('cpu');
  }
  await useWasm();
  return info('wasm');
}

/** One line describing the backend, for logs and notebook headers. */
export function describeBackend(b: BackendInfo): string {
  const kernels = b.kernels === 'stock' ? ', stock kernels' : '';
  return `${b.name}${b.adapter ? ` (${b.adapter})` : ''}, tfjs ${b.tfjs}${kernels}${b.notes.length ? ` [${b.notes.join('; ')}]` : ''}`;
}

/** Switch the engine to another backend (tests compare backends in one process). */
export async function switchBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm') await useWasm();
  else await tf.setBackend('cpu');
  current = null;
}
