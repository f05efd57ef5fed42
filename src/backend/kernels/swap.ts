import { tf } from '../tf.js';

/*
 * Swapping a kernel by name (the TF.js way to add or replace one without touching callers), remembering the one
 * tfjs registered first, so the kit's kernels can fall back to it and `stock` can put it back.
 */

const captured = new Map<string, tf.KernelConfig | null>();
const ours = new Set<unknown>();

const key = (name: string, backend: string) => `${backend}/${name}`;

/** Register `config` in place of whatever is registered under its name and backend (idempotent). */
export function installKernel(config: tf.KernelConfig): void {
  const current = tf.getKernel(config.kernelName, config.backendName);
  if (current?.kernelFunc === config.kernelFunc) return;
  const k = key(config.kernelName, config.backendName);
  if (!captured.has(k)) captured.set(k, current && !ours.has(current.kernelFunc) ? current : null);
  if (captured.get(k)?.kernelFunc !== config.kernelFunc) ours.add(config.kernelFunc);
  if (current) tf.unregisterKernel(config.kernelName, config.backendName);
  // A stock kernel's setup (e.g. wasm binding its C function when the backend starts) must still run: the kit's
  // kernels call it.
  const setupFunc = config.setupFunc ?? captured.get(k)?.setupFunc;
  tf.registerKernel(setupFunc ? { ...config, setupFunc } : config);
}

/** The kernel tfjs itself registered under this name for this backend, or null where it has none. */
export function stockKernel(name: string, backend: string): tf.KernelConfig | null {
  const k = key(name, backend);
  if (captured.has(k)) return captured.get(k) ?? null;
  const current = tf.getKernel(name, backend);
  return current && !ours.has(current.kernelFunc) ? current : null;
}

/** Call tfjs's own kernel for this name and backend (the kit's kernels hand it the cases they do not cover). */
export function callStock(name: string, backend: string, args: unknown): tf.TensorInfo | tf.TensorInfo[] {
  const stock = stockKernel(name, backend);
  if (!stock) throw new Error(`no stock ${name} kernel on ${backend}`);
  return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo | tf.TensorInfo[];
}
