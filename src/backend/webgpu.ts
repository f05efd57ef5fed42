import fs from 'node:fs';
import path from 'node:path';
import { tf } from './tf.js';
import { registerKernels } from './kernels/registry.js';

/** What a WebGPU probe found: an adapter's description and whether it is a software rasteriser. */
export interface WebGpuAdapterInfo {
  description: string;
  software: boolean;
}

let installed: Promise<WebGpuAdapterInfo | null> | null = null;

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|cpu/i;

/** Whether a Vulkan loader is installed; without one Dawn can only print a warning, so it is not asked. */
function hasVulkanLoader(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':'),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/usr/local/lib',
  ];
  return dirs.some((d) => d && fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

/**
 * Whether this machine exposes a GPU device node (NVIDIA's /dev/nvidia*, or a DRM render node for AMD/Intel).
 * `auto` only asks Dawn for an adapter when one exists: without one the best it can find is a software rasteriser,
 * which auto would skip anyway, after Dawn has printed its warnings.
 */
export function hasGpuDeviceNode(): boolean {
  try {
    if (fs.readdirSync('/dev').some((f) => /^nvidia\d+$/.test(f))) return true;
    return fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Expose Dawn (npm `webgpu`) as `navigator.gpu` and ask it for an adapter; null when none exists.
 * Must run before tfjs-backend-webgpu is loaded, because that module only registers itself when it sees
 * `navigator.gpu` at import time.
 */
export function probeWebGpu(): Promise<WebGpuAdapterInfo | null> {
  installed ??= (async () => {
    // biome-ignore lint/suspicious/noExplicitAny: Dawn's GPU object and the navigator global have no types in node
    let gpu: any;
    if (!hasVulkanLoader()) return null;
    try {
      // required at run time, on this path only (an optional module)
      const dawn = require('webgpu') as { create(flags: string[]): unknown; globals: Record<string, unknown> };
      Object.assign(globalThis, dawn.globals);
      gpu = dawn.create(['backend=vulkan']);
    } catch {
      return null;
    }
    // biome-ignore lint/suspicious/noExplicitAny: the browser's navigator global, installed on node's globalThis
    const g = globalThis as any;
    if (!g.navigator) Object.defineProperty(g, 'navigator', { value: {}, configurable: true, writable: true });
    if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    // biome-ignore lint/suspicious/noExplicitAny: a WebGPU adapter (no WebGPU types in node)
    let adapter: any = null;
    try {
      adapter = await Promise.race([
        gpu.requestAdapter({ powerPreference: 'high-performance' }),
        new Promise((resolve) => setTimeout(() => resolve(null), 10000).unref()),
      ]);
    } catch {
      adapter = null;
    }
    if (!adapter) return null;
    const info = adapter.info ?? {};
    const description =
      [info.vendor, info.architecture, info.device, info.description].filter((s: unknown) => typeof s === 'string' && s.length > 0).join(' ') ||
      'unknown adapter';
    return { description, software: Boolean(adapter.isFallbackAdapter) || SOFTWARE.test(description) };
  })();
  return installed;
}

/** Load tfjs-backend-webgpu (after probeWebGpu) and switch the engine to it. */
export async function activateWebGpu(): Promise<void> {
  // required at run time, on this path only (an optional module)
  require('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Error('tfjs-backend-webgpu did not register (navigator.gpu missing)');
  registerKernels('webgpu');
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error('tf.setBackend("webgpu") failed');
}

/**
 * How many compute passes `fn` records on the webgpu backend (runWebGPUProgram calls, including those inside
 * kernels). tf.profile counts kernel calls, which overcount launches (Reshape and Identity only alias data) and miss
 * the passes a kernel makes internally; this counts what the GPU is asked to run.
 */
export async function countWebGpuDispatches(fn: () => void): Promise<number> {
  const backend = tf.backend() as unknown as { runWebGPUProgram?: (...a: unknown[]) => unknown };
  if (tf.getBackend() !== 'webgpu' || !backend.runWebGPUProgram) throw new Error('countWebGpuDispatches needs the webgpu backend');
  const original = backend.runWebGPUProgram;
  const own = Object.hasOwn(backend, 'runWebGPUProgram');
  let n = 0;
  backend.runWebGPUProgram = function (this: unknown, ...a: unknown[]) {
    n++;
    return original.apply(this, a);
  };
  try {
    fn();
  } finally {
    if (own) backend.runWebGPUProgram = original;
    else delete backend.runWebGPUProgram;
  }
  return n;
}
