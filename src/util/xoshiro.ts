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
}
