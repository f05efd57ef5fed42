import type { tf } from '../tf.js';
import { callStock } from './swap.js';

/*
 * tfjs-backend-wasm 4.22's BatchMatMul is fast (XNNPACK) for one matrix but about 10x slower per flop when the
 * batch has several: measured here, [100 x 500 x 256] x [100 x 256 x 8] took 67 ms batched against 6 ms for the
 * same flops as one 2-D product. This kernel, registered by name in place of the stock one (kernels/registry.ts;
 * the TF.js way to swap a kernel without touching callers), runs each batch item through the stock kernel's fast batch-1 path on
 * zero-copy views of the inputs, and copies each small result into the output. Broadcast batches and batch 1
 * go to the stock kernel unchanged.
 */

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface WasmBackend {
  dataIdMap: { get(id: object): { id: number; memoryOffset: number }; delete(id: object): void };
  makeOutput(shape: number[], dtype: string, memoryOffset?: number): TensorInfo;
  disposeData(id: object): boolean;
  wasm: { HEAPF32: Float32Array; tfjs: { disposeData(id: number): void } };
}
type KernelArgs = { inputs: { a: TensorInfo; b: TensorInfo }; attrs: { transposeA: boolean; transposeB: boolean }; backend: WasmBackend };

/** BatchMatMul on wasm: each batch item through the stock kernel's batch-1 path (broadcasts and batch 1 to it whole). */
function batchMatMul(args: KernelArgs): TensorInfo {
  const stock = (a: KernelArgs) => callStock('BatchMatMul', 'wasm', a) as TensorInfo;
  const { a, b } = args.inputs;
  const batch = a.shape[0];
  if (a.shape.length !== 3 || b.shape.length !== 3 || batch !== b.shape[0] || batch === 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return stock(args);
  }
  const { transposeA, transposeB } = args.attrs;
  const backend = args.backend;
  const [, ar, ac] = a.shape;
  const [, br, bc] = b.shape;
  const m = transposeA ? ac : ar;
  const n = transposeB ? br : bc;
  const out = backend.makeOutput([batch, m, n], 'float32');
  const heapIndex = (t: TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
  const aBase = heapIndex(a);
  const bBase = heapIndex(b);
  const outBase = heapIndex(out);
  const release = (v: TensorInfo) => {
    // A view does not own its memory: unregister it without freeing the parent's bytes.
    backend.wasm.tfjs.disposeData(backend.dataIdMap.get(v.dataId).id);
    backend.dataIdMap.delete(v.dataId);
  };
  for (let i = 0; i < batch; i++) {
    const av = backend.makeOutput([1, ar, ac], 'float32', (aBase + i * ar * ac) * 4);
    const bv = backend.makeOutput([1, br, bc], 'float32', (bBase + i * br * bc) * 4);
    const r = stock({ inputs: { a: av, b: bv }, attrs: args.attrs, backend });
    const heap = backend.wasm.HEAPF32; // read after the call: the heap may have grown
    const src = heapIndex(r);
    heap.copyWithin(outBase + i * m * n, src, src + m * n);
    backend.disposeData(r.dataId);
    release(av);
    release(bv);
  }
  return out;
}

/** The wasm BatchMatMul above, registered in place of the stock one. */
export const wasmBatchMatMulConfig: tf.KernelConfig = { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul as unknown as tf.KernelFunc };
