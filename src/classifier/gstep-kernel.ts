import path from 'node:path';
import { PROJECT_ROOT } from '../util/project.js';
import { growTo, heapStart, kernelInstance, type KernelExports } from '../util/wasm.js';

/** The compiled kernel file (built from kernels/gstep.c by scripts/build-kernels.sh). */
export const GSTEP_WASM = path.join(PROJECT_ROOT, 'src', 'classifier', 'kernels', 'gstep.wasm');

interface GStepExports extends KernelExports {
  gstep(
    x: number,
    y: number,
    n: number,
    D: number,
    C: number,
    P: number,
    m: number,
    v: number,
    logits: number,
    grad: number,
    stats: number,
    index: number,
    optimizer: number,
    lr: number,
    c1: number,
    c2: number,
    eps: number,
  ): void;
  logits(x: number, n: number, D: number, P: number, C: number, out: number, index: number): void;
}

/**
 * One instance of the G-step kernel with its own memory, laid out for a (D+1) x C parameter matrix and batches of
 * up to `maxRows` rows: parameters, optimizer state, the batch and scratch all live in the kernel's memory, so a
 * step is one call and no copy beyond the batch's rows.
 */
export class GStepKernel {
  private readonly ex: GStepExports;
  private offsets = { P: 0, m: 0, v: 0, grad: 0, x: 0, y: 0, logits: 0, stats: 0, index: 0 };
  private maxRows = 0;

  constructor(
    readonly D: number,
    readonly C: number,
    maxRows: number,
  ) {
    this.ex = kernelInstance<GStepExports>(GSTEP_WASM);
    this.layout(maxRows);
  }

  /** Lay out the memory for batches of up to `rows` rows, keeping the parameters and the optimizer state. */
  private layout(rows: number): void {
    const keep = this.maxRows ? [this.P.slice(), this.m.slice(), this.v.slice()] : null;
    const len = (this.D + 1) * this.C;
    let at = heapStart(this.ex);
    const take = (floats: number) => {
      const o = at;
      at += Math.ceil(floats / 4) * 16;
      return o;
    };
    this.offsets = {
      P: take(len),
      m: take(len),
      v: take(len),
      grad: take(len),
      x: take(rows * this.D),
      y: take(rows),
      logits: take(rows * this.C),
      stats: take(3 * rows),
      index: take(4 * rows * this.D + 2 * rows + this.D + 2),
    };
    growTo(this.ex, at);
    this.maxRows = rows;
    if (keep) {
      this.P.set(keep[0]);
      this.m.set(keep[1]);
      this.v.set(keep[2]);
    }
  }

  private f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, offset, length);
  }

  /** The parameters [W; b], (D+1) x C row-major (a view: valid until the next step that grows the batch). */
  get P(): Float32Array {
    return this.f32(this.offsets.P, (this.D + 1) * this.C);
  }
  /** First moment (Adam) or velocity (momentum). */
  get m(): Float32Array {
    return this.f32(this.offsets.m, (this.D + 1) * this.C);
  }
  /** Second moment (Adam). */
  get v(): Float32Array {
    return this.f32(this.offsets.v, (this.D + 1) * this.C);
  }

  /** Room for a batch of n rows: the x [n x D] and y [n] views to fill before step(). */
  batch(n: number): { x: Float32Array; y: Int32Array } {
    if (n > this.maxRows) this.layout(Math.max(n, 2 * this.maxRows));
    return { x: this.f32(this.offsets.x, n * this.D), y: new Int32Array(this.ex.memory.buffer, this.offsets.y, n) };
  }

  /**
   * One step on the n rows last written by batch(n): Adam (c1, c2 this step's bias corrections) or momentum; returns
   * the batch's mean cross-entropy before the step when `withLoss`, else NaN.
   */
  step(n: number, opt: { kind: 'adam' | 'sgd'; lr: number; c1: number; c2: number; eps: number }, withLoss: boolean): number {
    const o = this.offsets;
    const kind = opt.kind === 'adam' ? 0 : 1;
    this.ex.gstep(o.x, o.y, n, this.D, this.C, o.P, o.m, o.v, o.logits, o.grad, o.stats, o.index, kind, opt.lr, opt.c1, opt.c2, opt.eps);
    if (!withLoss) return Number.NaN;
    const s = this.f32(o.stats, 3 * n);
    let loss = 0;
    for (let i = 0; i < n; i++) loss += Math.log(s[2 * i + 1]) - s[2 * n + i];
    return loss / n;
  }

  /** Logits [n x C] of the n rows last written by batch(n) under the current parameters (a copy). */
  logits(n: number): Float32Array {
    const o = this.offsets;
    this.ex.logits(o.x, n, this.D, o.P, this.C, o.logits, o.index);
    return this.f32(o.logits, n * this.C).slice();
  }
}
