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

/**
 * For every row of `a` (row-major [na x d] 0/1 codes), the Hamming distance to its nearest row of `b`: how well a set
 * of pseudo-exemplars covers the real codes (a -> b: real codes far from every sample are modes the memory missed)
 * and how real the samples look (b -> a). Bit-packed, so a class's few hundred codes against as many samples is cheap.
 */
export function nearestHamming(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number, d: number): Int32Array {
  const words = Math.ceil(d / 32);
  const pack = (x: ArrayLike<number>, n: number) => {
    const out = new Uint32Array(n * words);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) if (x[i * d + j]) out[i * words + (j >>> 5)] |= 1 << (j & 31);
    return out;
  };
  const pa = pack(a, na);
  const pb = pack(b, nb);
  const popcount = (v: number) => {
    let x = v - ((v >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  };
  const out = new Int32Array(na);
  for (let i = 0; i < na; i++) {
    let best = d + 1;
    for (let k = 0; k < nb && best > 0; k++) {
      let dist = 0;
      for (let w = 0; w < words && dist < best; w++) dist += popcount(pa[i * words + w] ^ pb[k * words + w]);
      if (dist < best) best = dist;
    }
    out[i] = nb === 0 ? -1 : best;
  }
  return out;
}
