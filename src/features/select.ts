import type { SplitFeatures, Subset } from './cache.js';

/** Copy the given rows of x [n x dim] into `out` (a new float32 array by default), in the order given. */
export function gatherRows<T extends Float32Array | Uint8Array = Float32Array>(x: Float32Array | Uint8Array, dim: number, rows: ArrayLike<number>, out?: T): T {
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

/** Canonical indices of a split that a subset keeps. */
export function selectIndices(labels: Int32Array, subset: Subset | undefined, perClass: number | undefined): Int32Array {
  if (!subset) return Int32Array.from(labels.keys());
  const keep = subset.classes ? new Set(subset.classes) : null;
  const seen = new Map<number, number>();
  const out: number[] = [];
  labels.forEach((l, i) => {
    if (keep && !keep.has(l)) return;
    const n = seen.get(l) ?? 0;
    if (perClass !== undefined && n >= perClass) return;
    seen.set(l, n + 1);
    out.push(i);
  });
  return Int32Array.from(out);
}
