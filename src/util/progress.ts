import { liveTextDisplay } from './jupyter.js';

/** Options of a progress bar. */
export interface ProgressOptions {
  /** Label shown before the bar. */
  label: string;
  /** Total units of work (images, runs, ...). */
  total: number;
  /** Unit name for the rate, e.g. "img". */
  unit?: string;
  /**
   * Where to draw; default stderr, or, inside a Jupyter notebook (tslab), one output line updated in place.
   * Pass null to stay silent (tests, callers that draw their own).
   */
  stream?: NodeJS.WriteStream | null;
  /** Units already done (a resumed run): excluded from the rate. */
  initial?: number;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, '0');
  return h > 0 ? `${h}:${String(m % 60).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A terminal progress bar (count, rate, ETA) for long work; plain periodic lines when not on a TTY. */
export class Progress {
  private done: number;
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly initial: number;
  private readonly stream: NodeJS.WriteStream | null;

  private readonly live: ((text: string) => void) | null;

  constructor(private readonly opts: ProgressOptions) {
    this.done = opts.initial ?? 0;
    this.initial = this.done;
    this.stream = opts.stream === undefined ? process.stderr : opts.stream;
    // In a notebook, stderr would be stored with the notebook line by line: draw into one updating output instead.
    this.live = this.stream === process.stderr ? liveTextDisplay() : null;
  }

  /** Units per second since this bar started (resumed work excluded). */
  rate(): number {
    const dt = (Date.now() - this.start) / 1000;
    return dt > 0 ? (this.done - this.initial) / dt : 0;
  }

  /**
   * Advance by n units and redraw at most every 200 ms (TTY), 1 s (a notebook: every redraw is a message on tslab's
   * one-at-a-time socket, which its own messages must share) or 5 s (logs).
   */
  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    const every = this.live !== null ? 1000 : this.stream?.isTTY ? 200 : 5000;
    if (now - this.lastDraw >= every || this.done >= this.opts.total) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  /** Text shown after the rate (e.g. running loss and accuracy), redrawn with the bar. */
  status = '';

  /** Final line with the totals. */
  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    if (!this.stream) return;
    const { total, label } = this.opts;
    const unit = this.opts.unit ?? 'it';
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const rate = this.rate();
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const elapsed = (Date.now() - this.start) / 1000;
    const line =
      `${label} [${bar}] ${this.done}/${total} ${(frac * 100).toFixed(0)}% ${rate.toFixed(0)} ${unit}/s ` +
      (final ? `in ${formatSeconds(elapsed)}` : `ETA ${formatSeconds(eta)}`) +
      (this.status ? ` ${this.status}` : '');
    if (this.live) this.live(line);
    else if (this.stream.isTTY) this.stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}
