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

/**
 * The accuracy matrix acc[t][g]: accuracy on the test images of step g's classes after step t (g <= t; rows are
 * ragged, row t has t + 1 entries). Every summary metric of a run is derived from it and the groups' test counts.
 */
export type AccuracyMatrix = number[][];

/** Summary metrics derived from an accuracy matrix (fractions, not percent). */
export interface MatrixMetrics {
  /** A_t: accuracy on all classes seen after step t, i.e. the groups' accuracies weighted by their test images. */
  stepAccuracy: number[];
  /** Mean of A_t over t = 0..T (base step included: PyCIL, FeCAM and FeTrIL's eval). */
  averageIncrementalAccuracy: number;
  /** Mean of A_t over t = 1..T (base step excluded, as some toolkits report it); NaN without incremental steps. */
  averageIncrementalAccuracyNoBase: number;
  /** A_T. */
  finalAccuracy: number;
  /** Chaudhry et al. (2018): mean over g < T of max_{t in [g, T-1]} acc[t][g] - acc[T][g]; 0 without incremental steps. */
  averageForgetting: number;
  /** Lopez-Paz & Ranzato (2017): mean over g < T of acc[T][g] - acc[g][g] (negative = forgetting); 0 without incremental steps. */
  backwardTransfer: number;
}

/** Check that acc is lower-triangular (row t has t + 1 finite entries in [0, 1]) and groupSizes has one positive count per step. */
function checkMatrix(acc: AccuracyMatrix, groupSizes: readonly number[]): void {
  if (acc.length === 0) throw new Error('the accuracy matrix has no rows');
  if (groupSizes.length !== acc.length) throw new Error(`${groupSizes.length} group sizes for ${acc.length} steps`);
  acc.forEach((row, t) => {
    if (row.length !== t + 1) throw new Error(`accuracy matrix row ${t} has ${row.length} entries, expected ${t + 1}`);
    row.forEach((v, g) => {
      if (!(v >= 0 && v <= 1)) throw new Error(`acc[${t}][${g}] = ${v} is not an accuracy in [0, 1]`);
    });
  });
  groupSizes.forEach((n, g) => {
    if (!(n > 0)) throw new Error(`group ${g} has ${n} test images`);
  });
}

/** Every summary metric of a run from its accuracy matrix and the number of test images of each step's classes. */
export function matrixMetrics(acc: AccuracyMatrix, groupSizes: readonly number[]): MatrixMetrics {
  checkMatrix(acc, groupSizes);
  const T = acc.length - 1;
  const stepAccuracy = acc.map((row) => {
    let ok = 0;
    let n = 0;
    row.forEach((a, g) => {
      ok += a * groupSizes[g];
      n += groupSizes[g];
    });
    return ok / n;
  });
  let bwt = 0;
  for (let g = 0; g < T; g++) bwt += acc[T][g] - acc[g][g];
  return {
    stepAccuracy,
    averageIncrementalAccuracy: averageIncrementalAccuracy(stepAccuracy),
    averageIncrementalAccuracyNoBase: T > 0 ? averageIncrementalAccuracy(stepAccuracy.slice(1)) : NaN,
    finalAccuracy: stepAccuracy[T],
    averageForgetting: averageForgetting(acc),
    backwardTransfer: T > 0 ? bwt / T : 0,
  };
}

/** The matrix as CSV text: a row per step t, a column per task g (empty above the diagonal), percent with 4 decimals. */
export function accuracyMatrixCsv(acc: AccuracyMatrix): string {
  const T = acc.length - 1;
  const head = ['step', ...Array.from({ length: T + 1 }, (_, g) => `task_${g}`)].join(',');
  const rows = acc.map((row, t) => [t, ...Array.from({ length: T + 1 }, (_, g) => (g <= t ? (100 * row[g]).toFixed(4) : ''))].join(','));
  return `${[head, ...rows].join('\n')}\n`;
}
