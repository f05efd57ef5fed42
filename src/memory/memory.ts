import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';
import { Xoshiro128 } from '../util/xoshiro.js';

/** Precisions mu can be stored at: 32-bit float, or quantised to b <= 8 bits. */
export const MU_BITS = [32, 8, 6, 4, 3, 2, 1] as const;
export type MuBits = (typeof MU_BITS)[number];

/** Check a mu precision with an error that lists the supported ones. */
export function checkMuBits(bits: number): asserts bits is MuBits {
  if (!(MU_BITS as readonly number[]).includes(bits)) throw new GbmError(`mu precision ${bits} bits is not supported.`, `use one of ${MU_BITS.join(', ')}.`);
}

/** Bits used for each mixing weight pi (stored as float32). */
export const PI_BITS = 32;

interface Entry {
  /** Quantised mu (b < 32) or float mu, [K x D]. */
  q: Uint8Array | Float32Array;
  pi: Float32Array;
}

/**
 * The generative binary memory: for every class, K prototypes mu (K x D') and mixing weights pi (K). Nothing
 * else is kept (no images, no codes). mu can be stored quantised; sampling and likelihoods use the stored
 * (dequantised) values, so what is measured is what is stored.
 */
export class BinaryMemory {
  private readonly entries = new Map<number, Entry>();
  private table: Map<number, Uint32Array> | null = null;

  constructor(
    readonly dim: number,
    readonly K: number,
    readonly muBits: MuBits = 32,
    readonly eps = 1e-3,
  ) {
    checkMuBits(muBits);
  }

  /** Store a class's fitted mixture (mu [K x D], pi [K]); quantises mu when muBits < 32. */
  add(classId: number, mu: Float32Array, pi: Float32Array): void {
    if (mu.length !== this.K * this.dim || pi.length !== this.K) throw new Error(`class ${classId}: mu/pi sizes do not match K=${this.K}, D=${this.dim}`);
    const levels = 2 ** this.muBits - 1;
    const q = this.muBits === 32 ? Float32Array.from(mu) : Uint8Array.from(mu, (v) => Math.round(v * levels));
    this.entries.set(classId, { q, pi: Float32Array.from(pi) });
    this.table = null;
  }

  /** Classes held, in insertion order. */
  classes(): number[] {
    return [...this.entries.keys()];
  }

  /** The stored mu of a class as probabilities in [eps, 1 - eps]. */
  mu(classId: number): Float32Array {
    const e = this.entry(classId);
    if (e.q instanceof Float32Array) return Float32Array.from(e.q);
    const levels = 2 ** this.muBits - 1;
    return Float32Array.from(e.q, (v) => Math.min(1 - this.eps, Math.max(this.eps, v / levels)));
  }

  /** The stored pi of a class. */
  pi(classId: number): Float32Array {
    return Float32Array.from(this.entry(classId).pi);
  }

  private entry(classId: number): Entry {
    const e = this.entries.get(classId);
    if (!e) throw new Error(`class ${classId} is not in the memory`);
    return e;
  }

  /** Bits one class costs: K x D' x b_mu for mu plus K x 32 for pi (method.md's accounting). */
  bitsPerClass(): number {
    return this.K * this.dim * this.muBits + this.K * PI_BITS;
  }

  /** Bits the whole memory costs. */
  sizeInBits(): number {
    return this.entries.size * this.bitsPerClass();
  }

  /** Each stored component's mu as uint32 thresholds (bit = 1 when a uniform uint32 is below), cached until the memory changes. */
  private thresholds(): Map<number, Uint32Array> {
    if (!this.table) {
      const t = new Map<number, Uint32Array>();
      for (const c of this.classes())
        t.set(
          c,
          Uint32Array.from(this.mu(c), (p) => Math.min(0xffffffff, Math.round(p * 4294967296))),
        );
      this.table = t;
    }
    return this.table;
  }

  /**
   * Pseudo-exemplars on the host: for each requested class label, a component k ~ Categorical(pi) then bits
   * z_d ~ Bernoulli(mu_kd) independently; components from an MT19937 stream and bits from a xoshiro128** stream
   * it seeds (the same bits on every backend).
   * Returns [n x D] 0/1 values, row-major.
   */
  sampleCodes(labels: Int32Array, seed: number): Float32Array {
    const thr = this.thresholds();
    const rng = new MT19937(seed);
    const bits = new Xoshiro128(rng);
    const D = this.dim;
    const out = new Float32Array(labels.length * D);
    for (let i = 0; i < labels.length; i++) {
      const t = thr.get(labels[i]);
      if (!t) throw new Error(`class ${labels[i]} is not in the memory`);
      const pi = this.entries.get(labels[i])!.pi;
      let u = rng.random();
      let k = 0;
      while (k < this.K - 1 && u >= pi[k]) u -= pi[k++];
      bits.fillBernoulli(t, k * D, out, i * D, D);
    }
    return out;
  }

  /** Pseudo-exemplars as a [n, D] tensor (see sampleCodes). */
  sample(labels: Int32Array, seed: number): tf.Tensor2D {
    return tf.tensor2d(this.sampleCodes(labels, seed), [labels.length, this.dim]);
  }

  /** Save to a folder: memory.json (shape, precision, classes, pi) + mu.bin (as stored), each written atomically. */
  save(dir: string): void {
    const classes = this.classes();
    const per = this.K * this.dim;
    const bytesPer = this.muBits === 32 ? 4 * per : per;
    const buf = new Uint8Array(classes.length * bytesPer);
    classes.forEach((c, i) => {
      const q = this.entry(c).q;
      buf.set(new Uint8Array(q.buffer, q.byteOffset, q.byteLength), i * bytesPer);
    });
    writeFileAtomic(path.join(dir, 'mu.bin'), buf);
    writeJsonAtomic(path.join(dir, 'memory.json'), {
      format: 'gbm-memory/1',
      dim: this.dim,
      K: this.K,
      muBits: this.muBits,
      eps: this.eps,
      sizeInBits: this.sizeInBits(),
      classes,
      pi: classes.map((c) => Array.from(this.entry(c).pi)),
    });
  }

  /** Load a memory saved by save(). */
  static load(dir: string): BinaryMemory {
    const metaFile = path.join(dir, 'memory.json');
    let meta: { format: string; dim: number; K: number; muBits: MuBits; eps: number; classes: number[]; pi: number[][] };
    try {
      meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    } catch (e) {
      throw new GbmError(`cannot read memory ${metaFile}: ${(e as Error).message}.`, 'point to a folder written by BinaryMemory.save.');
    }
    if (meta.format !== 'gbm-memory/1')
      throw new GbmError(`${metaFile} has format ${meta.format}, expected gbm-memory/1.`, 'save the memory again with this version.');
    const m = new BinaryMemory(meta.dim, meta.K, meta.muBits, meta.eps);
    const raw = fs.readFileSync(path.join(dir, 'mu.bin'));
    const per = m.K * m.dim;
    const bytesPer = m.muBits === 32 ? 4 * per : per;
    if (raw.length !== meta.classes.length * bytesPer)
      throw new GbmError(
        `${path.join(dir, 'mu.bin')} has ${raw.length} bytes, expected ${meta.classes.length * bytesPer}.`,
        'the memory is truncated: save it again.',
      );
    meta.classes.forEach((c, i) => {
      const bytes = raw.subarray(i * bytesPer, (i + 1) * bytesPer);
      const q = m.muBits === 32 ? new Float32Array(Uint8Array.from(bytes).buffer) : Uint8Array.from(bytes);
      m.entries.set(c, { q, pi: Float32Array.from(meta.pi[i]) });
    });
    return m;
  }

  /** Drop the cached sampling thresholds. */
  dispose(): void {
    this.table = null;
  }
}
