import type { DataFrame } from 'danfojs-node';
import { danfo } from '../util/danfo.js';
import type { SplitFeatures } from '../features/cache.js';

/** Per-class statistics of the rows of one class: count, mean value, zero fraction, L2 norm, 99th percentile. */
export interface ClassStats {
  class: string;
  count: number;
  mean: number;
  zeroFraction: number;
  meanNorm: number;
  p99: number;
}

/** Compute ClassStats for every class present in a split (one pass over the features). */
export function classFeatureStats(split: SplitFeatures, classNames: readonly string[]): ClassStats[] {
  const { features, labels, dim } = split;
  const acc = new Map<number, { n: number; sum: number; zeros: number; norm: number; values: number[] }>();
  for (let i = 0; i < split.count; i++) {
    const c = labels[i];
    let a = acc.get(c);
    if (!a) {
      a = { n: 0, sum: 0, zeros: 0, norm: 0, values: [] };
      acc.set(c, a);
    }
    let sq = 0;
    for (let d = 0; d < dim; d++) {
      const v = features[i * dim + d];
      a.sum += v;
      if (v === 0) a.zeros++;
      sq += v * v;
      if ((i + d) % 16 === 0) a.values.push(v); // a fixed 1/16 sample for the percentile
    }
    a.norm += Math.sqrt(sq);
    a.n++;
  }
  return [...acc.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([c, a]) => {
      a.values.sort((x, y) => x - y);
      return {
        class: classNames[c] ?? String(c),
        count: a.n,
        mean: a.sum / (a.n * dim),
        zeroFraction: a.zeros / (a.n * dim),
        meanNorm: a.norm / a.n,
        p99: a.values[Math.min(a.values.length - 1, Math.floor(0.99 * a.values.length))] ?? 0,
      };
    });
}

/** ClassStats as a danfo DataFrame (for notebooks and CSV export). */
export function classStatsFrame(stats: ClassStats[]): DataFrame {
  return new (danfo().DataFrame)(stats.map((s) => ({ ...s })));
}
