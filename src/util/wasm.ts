import fs from 'node:fs';

/** The memory of a WebAssembly instance, as the kernels use it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** What every kit kernel exports besides its functions: its memory and where its free memory starts. */
export interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: unknown };
}

// The WebAssembly global, typed here: tslab's compiler has no WebAssembly type namespace, so the kit never names it.
const wasm = (
  globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: unknown } } }
).WebAssembly;
const compiled = new Map<string, object>();

/** A fresh instance (its own memory) of the kernel in `file`, compiled once per process. */
export function kernelInstance<T extends KernelExports>(file: string): T {
  let m = compiled.get(file);
  if (!m) {
    m = new wasm.Module(fs.readFileSync(file));
    compiled.set(file, m);
  }
  return new wasm.Instance(m, {}).exports as T;
}

/** The first free byte of an instance's memory, 16-byte aligned. */
export function heapStart(ex: KernelExports): number {
  return Math.ceil((ex.__heap_base.value as number) / 16) * 16;
}

/** Grow an instance's memory until it holds `bytes` (views on the old buffer are invalid afterwards). */
export function growTo(ex: KernelExports, bytes: number): void {
  const need = Math.ceil(bytes / 65536) - ex.memory.buffer.byteLength / 65536;
  if (need > 0) ex.memory.grow(need);
}
