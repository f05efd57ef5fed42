/** Float64 Bernoulli-mixture EM written from the equations, loop by loop: the reference the tfjs EM is checked against. */
export function em64(
  codes: ArrayLike<number>,
  n: number,
  D: number,
  mu0: ArrayLike<number>,
  pi0: ArrayLike<number>,
  K: number,
  iters: number,
  warmup: number,
  eps: number,
): { mu: Float64Array; pi: Float64Array; ll: number[] } {
  const mu = Float64Array.from(mu0);
  const pi = Float64Array.from(pi0);
  const ll: number[] = [];
  const logp = new Float64Array(K);
  for (let t = 0; t < iters; t++) {
    const nk = new Float64Array(K);
    const sums = new Float64Array(K * D);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        let s = Math.log(pi[k]);
        for (let d = 0; d < D; d++) s += codes[i * D + d] ? Math.log(mu[k * D + d]) : Math.log(1 - mu[k * D + d]);
        logp[k] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logp[k] - max);
      const lse = max + Math.log(z);
      total += lse;
      for (let k = 0; k < K; k++) {
        const g = Math.exp(logp[k] - lse);
        nk[k] += g;
        for (let d = 0; d < D; d++) sums[k * D + d] += g * codes[i * D + d];
      }
    }
    ll.push(total / n);
    for (let k = 0; k < K; k++) {
      for (let d = 0; d < D; d++) mu[k * D + d] = Math.min(1 - eps, Math.max(eps, sums[k * D + d] / Math.max(nk[k], 1e-12)));
      if (t >= warmup) pi[k] = nk[k] / n;
    }
  }
  return { mu, pi, ll };
}
