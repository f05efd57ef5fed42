/**
 * Mersenne Twister MT19937, seeded exactly as numpy's legacy `np.random.seed(int)`, so that class orders and
 * any other draw can be checked against numpy. The kit's one source of seeded randomness on the host.
 */
export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private pos = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed ${seed} must be an integer in [0, 2^32)`);
    let s = seed >>> 0;
    for (let i = 0; i < 624; i++) {
      this.mt[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    if (this.pos >= 624) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (numpy's random_sample). */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, max] by masked rejection (numpy's legacy random_interval). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** Shuffle an array in place (numpy's legacy shuffle: Fisher-Yates from the end). */
  shuffle<T>(a: T[] | Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** A seed for a derived stream (e.g. tfjs random ops), drawn from this one. */
  childSeed(): number {
    return this.nextUint32();
  }
}

/** `np.random.seed(seed); np.random.permutation(n)`, exactly: the class order PyCIL, FeTrIL and FeCAM use. */
export function numpyPermutation(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  new MT19937(seed).shuffle(a);
  return a;
}
