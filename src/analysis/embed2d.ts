import { UMAP } from 'umap-js';
import { MT19937 } from '../util/mt19937.js';

/** A seeded 2-D UMAP embedding of row-major [n x d] data (Hamming-like structure of codes shows as clusters). */
export function umap2d(data: ArrayLike<number>, n: number, d: number, seed: number, nNeighbors = 15): { x: number[]; y: number[] } {
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => data[i * d + j]));
  const rng = new MT19937(seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(nNeighbors, n - 1), minDist: 0.1, random: () => rng.random() });
  const emb = umap.fit(rows);
  return { x: emb.map((p) => p[0]), y: emb.map((p) => p[1]) };
}
