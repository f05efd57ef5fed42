/** Mean and sample standard deviation (n - 1) of a list; std is NaN for a single value (one seed shows no spread). */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, std, n };
}

/** "23.40 ± 0.12" over several seeds, "23.40" for one (a single run has no spread to show); values scaled by `scale`. */
export function formatMeanStd(mean: number, std: number, n: number, digits = 2, scale = 1): string {
  if (!Number.isFinite(mean)) return '';
  const m = (scale * mean).toFixed(digits);
  return n > 1 && Number.isFinite(std) ? `${m} ± ${(scale * std).toFixed(digits)}` : m;
}

/**
 * Paired comparison of two methods run on the same seeds: the mean of the per-seed differences a - b, its
 * standard error sd(diff) / sqrt(n), and whether the gap exceeds twice that (else it is a tie at this noise).
 */
export function pairedGap(a: readonly number[], b: readonly number[]): { diff: number; se: number; n: number; real: boolean } {
  if (a.length !== b.length) throw new Error(`paired comparison of ${a.length} and ${b.length} values`);
  const d = meanStd(a.map((v, i) => v - b[i]));
  const se = d.n > 1 ? d.std / Math.sqrt(d.n) : NaN;
  return { diff: d.mean, se, n: d.n, real: d.n > 1 && Math.abs(d.mean) > 2 * se };
}
