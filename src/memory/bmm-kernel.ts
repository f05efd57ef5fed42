import path from 'node:path';
import { PROJECT_ROOT } from '../util/project.js';
import { growTo, heapStart, kernelInstance, type KernelExports } from '../util/wasm.js';

/** The compiled EM kernel (built from kernels/bmm.c by scripts/build-kernels.sh). */
export const BMM_WASM = path.join(PROJECT_ROOT, 'src', 'memory', 'kernels', 'bmm.wasm');

/** The longest code the kernel takes: it stores set-bit positions as 16-bit integers. */
export const BMM_MAX_DIM = 65536;

interface BmmExports extends KernelExports {
  index_codes(z: number, n: number, D: number, rstart: number, idx: number): number;
  em_iteration(
    C: number,
    K: number,
    D: number,
    counts: number,
    first: number,
    rstart: number,
    idx: number,
    mu: number,
    logPi: number,
    ll: number,
    nk: number,
    update: number,
    freePi: number,
    eps: number,
    scratch: number,
  ): void;
}

/**
 * EM over the codes of several classes in the kernel's memory: each class on its own rows (no padding), each code
 * stored as the indices of its set bits. mu [C x K x D] and log pi [C x K] live there between iterations.
 */
export class BmmKernel {
  private readonly ex: BmmExports;
  private readonly at: Record<'counts' | 'first' | 'rstart' | 'idx' | 'mu' | 'logPi' | 'll' | 'nk' | 'scratch', number>;
  readonly C: number;

  constructor(
    codes: readonly (Uint8Array | Float32Array)[],
    readonly D: number,
    readonly K: number,
  ) {
    if (D > BMM_MAX_DIM) throw new Error(`the EM kernel takes codes of at most ${BMM_MAX_DIM} bits, not ${D}: use the tensor implementation`);
    this.ex = kernelInstance<BmmExports>(BMM_WASM);
    this.C = codes.length;
    const counts = codes.map((z) => z.length / D);
    const rows = counts.reduce((a, b) => a + b, 0);
    let top = heapStart(this.ex);
    const take = (bytes: number) => {
      const o = top;
      top += Math.ceil(bytes / 16) * 16;
      return o;
    };
    const C = this.C;
    const zAt = take(rows * D);
    this.at = {
      counts: take(4 * C),
      first: take(4 * C),
      rstart: take(4 * (rows + 1)),
      idx: take(2 * rows * D),
      mu: take(4 * C * this.K * D),
      logPi: take(4 * C * this.K),
      ll: take(4 * C),
      nk: take(4 * C * this.K),
      scratch: take(4 * this.K * (2 * D + 2)),
    };
    this.grow(top);
    const z = new Uint8Array(this.ex.memory.buffer, zAt, rows * D);
    let off = 0;
    for (const c of codes) {
      if (c instanceof Uint8Array) z.set(c, off);
      else for (let j = 0; j < c.length; j++) z[off + j] = c[j] !== 0 ? 1 : 0;
      off += c.length;
    }
    new Int32Array(this.ex.memory.buffer, this.at.counts, C).set(counts);
    const first = new Int32Array(this.ex.memory.buffer, this.at.first, C);
    counts.reduce((s, n, c) => {
      first[c] = s;
      return s + n;
    }, 0);
    this.ex.index_codes(zAt, rows, D, this.at.rstart, this.at.idx);
  }

  private grow(bytes: number): void {
    growTo(this.ex, bytes);
  }

  private f32(at: number, n: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, at, n);
  }

  /** mu [C x K x D] (a view into the kernel's memory). */
  get mu(): Float32Array {
    return this.f32(this.at.mu, this.C * this.K * this.D);
  }

  /** log pi [C x K] (a view). */
  get logPi(): Float32Array {
    return this.f32(this.at.logPi, this.C * this.K);
  }

  /**
   * One EM iteration over every class: returns each class's mean log-likelihood per code under the parameters it
   * started from; with update false, only that likelihood (parameters unchanged).
   */
  iterate(update: boolean, freePi: boolean, eps: number): Float32Array {
    const a = this.at;
    this.ex.em_iteration(this.C, this.K, this.D, a.counts, a.first, a.rstart, a.idx, a.mu, a.logPi, a.ll, a.nk, update ? 1 : 0, freePi ? 1 : 0, eps, a.scratch);
    return this.f32(a.ll, this.C).slice();
  }
}
