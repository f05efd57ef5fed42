/** How a set of binary codes uses its bits: the questions notebook 01 asks of every binarizer. */
export interface CodeStats {
  /** Fraction of ones of every bit over the rows. */
  onesPerBit: Float64Array;
  /** Bits that are 1 in at least one row. */
  bitsEverOn: number;
  /** Bits that are 1 in every row (they carry no information). */
  bitsAlwaysOn: number;
  /** Mean fraction of ones per code. */
  density: number;
}

/** Per-bit statistics of row-major [n x d] 0/1 codes. */
export function codeStats(codes: ArrayLike<number>, n: number, d: number): CodeStats {
  const ones = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) ones[j] += codes[i * d + j];
  let everOn = 0;
  let alwaysOn = 0;
  let total = 0;
  for (let j = 0; j < d; j++) {
    if (ones[j] > 0) everOn++;
    if (ones[j] === n) alwaysOn++;
    total += ones[j];
    ones[j] /= n;
  }
  return { onesPerBit: ones, bitsEverOn: everOn, bitsAlwaysOn: alwaysOn, density: total / (n * d) };
}
