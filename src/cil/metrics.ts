/** Accuracy of predictions on the rows whose label is in `classes` (NaN when there are none). */
export function accuracyOn(pred: Int32Array, labels: Int32Array, classes: Set<number>): number {
  let n = 0;
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!classes.has(labels[i])) continue;
    n++;
    if (pred[i] === labels[i]) ok++;
  }
  return n ? ok / n : NaN;
}

/** Mean of A_t over all steps, base step included (the field's average incremental accuracy). */
export function averageIncrementalAccuracy(acc: number[]): number {
  return acc.reduce((a, b) => a + b, 0) / acc.length;
}

/**
 * Average forgetting (Chaudhry et al. 2018) at the last step: for every earlier step's class group g, the best
 * accuracy it ever had before the last step minus its accuracy now, averaged over groups. groupAcc[t][g] is
 * the accuracy on group g after step t (t >= g).
 */
export function averageForgetting(groupAcc: number[][]): number {
  const T = groupAcc.length - 1;
  if (T < 1) return 0;
  let sum = 0;
  for (let g = 0; g < T; g++) {
    let best = -Infinity;
    for (let t = g; t < T; t++) best = Math.max(best, groupAcc[t][g]);
    sum += best - groupAcc[T][g];
  }
  return sum / T;
}
