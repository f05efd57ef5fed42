/** Mean of the given rows, in float64. */
export function meanOfRows(x: Float32Array, dim: number, rows: ArrayLike<number>): Float64Array {
  const m = new Float64Array(dim);
  for (let j = 0; j < rows.length; j++) for (let d = 0; d < dim; d++) m[d] += x[rows[j] * dim + d];
  for (let d = 0; d < dim; d++) m[d] /= Math.max(1, rows.length);
  return m;
}

/** A copy of v scaled to unit L2 norm (zero stays zero). */
export function l2normalize(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float64Array.from(v as ArrayLike<number>, (x) => x * inv);
}
