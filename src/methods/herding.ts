/**
 * iCaRL's herding selection (Rebuffi et al., CVPR 2017), as PyCIL implements it: rows are L2-normalised, then
 * E rows are picked one at a time, each the unpicked row that brings the mean of the picked ones closest to
 * the class mean. Returns row indices into `x` in pick order. Float64 throughout.
 */
export function herdingSelect(x: Float32Array, n: number, dim: number, E: number): Int32Array {
  const m = Math.min(E, n);
  const v = new Float64Array(n * dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[i * dim + d] ** 2;
    const inv = 1 / (Math.sqrt(s) + 1e-8);
    for (let d = 0; d < dim; d++) {
      v[i * dim + d] = x[i * dim + d] * inv;
      mean[d] += v[i * dim + d] / n;
    }
  }
  const picked = new Int32Array(m);
  const used = new Uint8Array(n);
  const sum = new Float64Array(dim);
  for (let k = 1; k <= m; k++) {
    let best = -1;
    let bestDist = Infinity;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      let dist = 0;
      for (let d = 0; d < dim; d++) {
        const diff = mean[d] - (sum[d] + v[i * dim + d]) / k;
        dist += diff * diff;
      }
      if (dist < bestDist) {
        bestDist = dist;
        best = i;
      }
    }
    used[best] = 1;
    picked[k - 1] = best;
    for (let d = 0; d < dim; d++) sum[d] += v[best * dim + d];
  }
  return picked;
}
