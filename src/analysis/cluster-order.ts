/**
 * The leaf order of average-linkage agglomerative clustering of n items from their n x n similarity (row-major,
 * symmetric): a heatmap whose rows and columns follow it shows dependent items as blocks on the diagonal instead of
 * scattered in their raw order. Deterministic: ties merge the lowest-numbered clusters first.
 */
export function clusterOrder(similarity: ArrayLike<number>, n: number): number[] {
  if (similarity.length !== n * n) throw new Error(`clusterOrder: a ${n} x ${n} matrix needs ${n * n} values, got ${similarity.length}`);
  // Each live cluster: its leaves in order and its size; dist holds average-linkage distances between live clusters.
  const leaves: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const alive = new Array<boolean>(n).fill(true);
  let maxSim = -Infinity;
  for (let i = 0; i < n * n; i++) maxSim = Math.max(maxSim, similarity[i]);
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dist[i * n + j] = maxSim - 0.5 * (similarity[i * n + j] + similarity[j * n + i]);
  for (let merges = 0; merges < n - 1; merges++) {
    let bi = -1;
    let bj = -1;
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (alive[j] && dist[i * n + j] < best) {
          best = dist[i * n + j];
          bi = i;
          bj = j;
        }
      }
    }
    const ni = leaves[bi].length;
    const nj = leaves[bj].length;
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi || k === bj) continue;
      const d = (ni * dist[bi * n + k] + nj * dist[bj * n + k]) / (ni + nj);
      dist[bi * n + k] = d;
      dist[k * n + bi] = d;
    }
    leaves[bi] = leaves[bi].concat(leaves[bj]);
    alive[bj] = false;
  }
  return n === 0 ? [] : leaves[alive.indexOf(true)];
}

/** A square matrix (row-major) with its rows and columns permuted to `order`, as rows for a heatmap. */
export function permuteSquare(m: ArrayLike<number>, n: number, order: number[]): number[][] {
  return order.map((a) => order.map((b) => m[a * n + b]));
}
