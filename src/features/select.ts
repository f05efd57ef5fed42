import type { SplitFeatures } from './cache.js';

/** The rows of a split whose class is in `classes`: features [n x dim] and labels as indices into `classes`. */
export function selectClasses(split: SplitFeatures, classes: readonly number[]): { x: Float32Array; y: Int32Array; n: number } {
  const index = new Map(classes.map((c, i) => [c, i] as const));
  const rows: number[] = [];
  for (let i = 0; i < split.count; i++) if (index.has(split.labels[i])) rows.push(i);
  const x = new Float32Array(rows.length * split.dim);
  rows.forEach((r, i) => x.set(split.features.subarray(r * split.dim, (r + 1) * split.dim), i * split.dim));
  return { x, y: Int32Array.from(rows, (r) => index.get(split.labels[r])!), n: rows.length };
}
