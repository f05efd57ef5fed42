import type { SplitFeatures } from './cache.js';

/** Copy the given rows of x [n x dim] into `out` (a new float32 array by default), in the order given. */
export function gatherRows<T extends Float32Array | Uint8Array = Float32Array>(x: Float32Array, dim: number, rows: ArrayLike<number>, out?: T): T {
  const dst = out ?? (new Float32Array(rows.length * dim) as T);
  for (let j = 0; j < rows.length; j++) dst.set(x.subarray(rows[j] * dim, (rows[j] + 1) * dim), j * dim);
  return dst;
}

/** The rows of a split whose class is in `classes`: features [n x dim] and labels as indices into `classes`. */
export function selectClasses(split: SplitFeatures, classes: readonly number[]): { x: Float32Array; y: Int32Array; n: number } {
  const index = new Map(classes.map((c, i) => [c, i] as const));
  const rows: number[] = [];
  for (let i = 0; i < split.count; i++) if (index.has(split.labels[i])) rows.push(i);
  return { x: gatherRows(split.features, split.dim, rows), y: Int32Array.from(rows, (r) => index.get(split.labels[r])!), n: rows.length };
}
