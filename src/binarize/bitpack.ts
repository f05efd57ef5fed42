/** Words per row when `bits` bits are packed 32 to a uint32. */
export function wordsPerRow(bits: number): number {
  return Math.ceil(bits / 32);
}

/** Pack rows of 0/1 values (any numeric array, row-major [n x d]) into uint32 words, bit j of a row at word j>>5, bit j&31. */
export function packBits(bits: ArrayLike<number>, n: number, d: number): Uint32Array {
  const w = wordsPerRow(d);
  const out = new Uint32Array(n * w);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    const base = i * w;
    for (let j = 0; j < d; j++) if (bits[row + j] > 0.5) out[base + (j >>> 5)] |= 1 << (j & 31);
  }
  return out;
}

/** Inverse of packBits: [n x d] uint8 0/1. */
export function unpackBits(words: Uint32Array, n: number, d: number): Uint8Array {
  const w = wordsPerRow(d);
  const out = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (words[i * w + (j >>> 5)] >>> (j & 31)) & 1;
  }
  return out;
}
