import type { MT19937 } from './mt19937.js';

/**
 * xoshiro128** (Blackman and Vigna): a small, fast 32-bit generator for bulk draws (millions of Bernoulli bits per
 * epoch), about 2.5x faster than MT19937 in JS. Seeded from an MT19937 stream so one seed still drives everything.
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seedFrom: MT19937) {
    this.a = seedFrom.nextUint32() | 1;
    this.b = seedFrom.nextUint32();
    this.c = seedFrom.nextUint32();
    this.d = seedFrom.nextUint32();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const m = Math.imul(this.b, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return r;
  }

  /**
   * out[o + j] = 1 when the next draw is below t[tOff + j], else 0, for j < n: n nextUint32() calls with the
   * state held in locals (the same stream, several times faster than calling nextUint32 per bit).
   */
  fillBernoulli(t: Uint32Array, tOff: number, out: Float32Array, o: number, n: number): void {
    let { a, b, c, d } = this;
    for (let j = 0; j < n; j++) {
      const m = Math.imul(b, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const sh = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= sh;
      d = (d << 11) | (d >>> 21);
      out[o + j] = +(r < t[tOff + j]); // a number from the comparison, no branch (the outcomes are random)
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
}
