/**
 * Float64 reference for batch norm in training mode over every axis but the last (channel c of flat index i is
 * i % C), by its definition: moments, y = (x - mean) / sqrt(var + eps) gamma + beta, and the analytic gradient
 * dbeta = sum dy, dgamma = sum dy xhat, dx = gamma / sqrt(var + eps) (dy - dbeta / n - xhat dgamma / n).
 * Plain loops: for tests on small shapes only.
 */
export function batchNorm64(x: ArrayLike<number>, dy: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, channels: number, eps: number) {
  const C = channels;
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const dbeta = new Float64Array(C);
  const dgamma = new Float64Array(C);
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < rows; r++) mean[c] += x[r * C + c] / rows;
    for (let r = 0; r < rows; r++) variance[c] += (x[r * C + c] - mean[c]) ** 2 / rows;
    const inv = 1 / Math.sqrt(variance[c] + eps);
    for (let r = 0; r < rows; r++) {
      const xhat = (x[r * C + c] - mean[c]) * inv;
      y[r * C + c] = xhat * gamma[c] + beta[c];
      dbeta[c] += dy[r * C + c];
      dgamma[c] += dy[r * C + c] * xhat;
    }
    for (let r = 0; r < rows; r++) {
      const xhat = (x[r * C + c] - mean[c]) * inv;
      dx[r * C + c] = gamma[c] * inv * (dy[r * C + c] - dbeta[c] / rows - (xhat * dgamma[c]) / rows);
    }
  }
  return { mean, variance, y, dx, dgamma, dbeta };
}
