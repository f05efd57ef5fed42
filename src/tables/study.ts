import type { DataFrame } from 'danfojs-node';
import type { SweepRow } from '../sweep/sweep.js';
import { danfo } from '../util/danfo.js';
import { formatMeanStd, pairedGap } from './uncertainty.js';

/** How a study table is laid out: its row keys, an optional key spread over columns, the metrics in its cells. */
export interface StudyTableSpec {
  /** Grid keys (runs.csv columns) whose values make the rows, e.g. ['binarizer', 'K']. */
  rows: string[];
  /** A grid key whose values become columns (a pivot), e.g. 'method'; one column per metric when absent. */
  columns?: string;
  /** runs.csv metrics shown in the cells (default: average incremental accuracy). */
  metrics?: string[];
  /** Multiply means and stds by this before printing (100: fractions as %); per metric, or one for all. */
  scale?: number | Record<string, number>;
  digits?: number;
  /** Metrics that do not vary with the seed (memory, code length): printed as the value alone, no ± 0. */
  fixed?: string[];
  /** Column headings for keys and metrics, e.g. { avg_inc_acc: 'avg inc acc (%)' } (default: the names themselves). */
  names?: Record<string, string>;
}

/**
 * A study's table from its runs, one run per seed: grouped with danfo over the row keys (and the column key), each
 * cell the mean ± sample std over seeds (no ± with one seed), and a `seeds` column; pivoted when `columns` is given.
 */
export function studyTable(runs: SweepRow[], spec: StudyTableSpec): DataFrame {
  const metrics = spec.metrics ?? ['avg_inc_acc'];
  const keys = [...spec.rows, ...(spec.columns ? [spec.columns] : [])];
  const missing = [...keys, ...metrics].filter((k) => runs.length > 0 && !(k in runs[0]));
  if (missing.length) throw new Error(`studyTable: the runs have no column ${missing.join(', ')} (they have ${Object.keys(runs[0]).join(', ')})`);
  const dfd = danfo();
  // danfo groups on strings reliably; numbers keep their order through `order` below.
  const df = new dfd.DataFrame(runs.map((r) => Object.fromEntries([...keys.map((k) => [k, String(r[k] ?? '')]), ...metrics.map((m) => [m, Number(r[m])])])));
  const agg = df.groupby(keys).agg(Object.fromEntries(metrics.map((m) => [m, ['mean', 'std', 'count']])));
  const cols = agg.columns;
  const at = (row: unknown[], c: string) => row[cols.indexOf(c)];
  const scaleOf = (m: string) => (typeof spec.scale === 'number' ? spec.scale : (spec.scale?.[m] ?? 1));
  const cell = (row: unknown[], m: string) =>
    formatMeanStd(
      Number(at(row, `${m}_mean`)),
      Number(at(row, `${m}_std`)),
      spec.fixed?.includes(m) ? 1 : Number(at(row, `${m}_count`)),
      spec.digits ?? 2,
      scaleOf(m),
    );
  const order = (a: string, b: string) => (Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b));
  const rowKey = (row: unknown[]) => spec.rows.map((k) => String(at(row, k)));
  const grouped = (agg.values as unknown[][]).slice().sort((x, y) => {
    const a = rowKey(x);
    const b = rowKey(y);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return order(a[i], b[i]);
    return 0;
  });
  const out = new Map<string, Record<string, string | number>>();
  for (const row of grouped) {
    const id = rowKey(row).join('\u0000');
    const rec = out.get(id) ?? Object.fromEntries(spec.rows.map((k) => [k, String(at(row, k))]));
    const n = Number(at(row, `${metrics[0]}_count`));
    if (spec.columns) {
      const col = String(at(row, spec.columns));
      for (const m of metrics) rec[metrics.length > 1 ? `${col} ${m}` : col] = cell(row, m);
      rec.seeds = Math.max(Number(rec.seeds ?? 0), n);
    } else {
      for (const m of metrics) rec[m] = cell(row, m);
      rec.seeds = n;
    }
    out.set(id, rec);
  }
  const records = [...out.values()];
  // Every row with every column, in the order the column values sort (a missing combination shows as "-").
  const columnNames = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((c) => !spec.rows.includes(c) && c !== 'seeds');
  if (spec.columns) columnNames.sort(order);
  const name = (c: string) => spec.names?.[c] ?? c;
  return new dfd.DataFrame(
    records.map((r) => ({
      ...Object.fromEntries(spec.rows.map((k) => [name(k), r[k]])),
      ...Object.fromEntries(columnNames.map((c) => [name(c), r[c] ?? '-'])),
      seeds: r.seeds,
    })),
  );
}

/** One option's standing against the best option of a study, paired over the seeds both ran. */
export interface Standing {
  value: string;
  mean: number;
  /** Mean over shared seeds of (this - best); 0 for the best itself. */
  diff: number;
  /** Standard error of that paired difference (NaN with one shared seed). */
  se: number;
  seeds: number;
  /** 'best', 'tie' (within twice the standard error of the best), 'behind', or 'untested' (fewer than 2 shared seeds). */
  verdict: 'best' | 'tie' | 'behind' | 'untested';
}

/**
 * Rank the values of one grid key (e.g. K) by a metric's mean over seeds, and say which are ties with the best:
 * each is compared with the best by the paired per-seed difference, a tie when within twice its standard error
 * (with one shared seed there is no spread to judge by: the verdict is 'untested' and se is NaN).
 */
export function rankWithTies(runs: SweepRow[], key: string, metric = 'avg_inc_acc'): Standing[] {
  const byValue = new Map<string, Map<number, number>>();
  for (const r of runs) {
    const v = String(r[key]);
    if (!byValue.has(v)) byValue.set(v, new Map());
    byValue.get(v)?.set(Number(r.seed), Number(r[metric]));
  }
  const mean = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0) / m.size;
  const ranked = [...byValue.entries()].sort((a, b) => mean(b[1]) - mean(a[1]));
  if (ranked.length === 0) return [];
  const [bestValue, best] = ranked[0];
  return ranked.map(([value, m]) => {
    if (value === bestValue) return { value, mean: mean(m), diff: 0, se: 0, seeds: m.size, verdict: 'best' as const };
    const shared = [...m.keys()].filter((s) => best.has(s));
    const g = pairedGap(
      shared.map((s) => m.get(s) as number),
      shared.map((s) => best.get(s) as number),
    );
    return {
      value,
      mean: mean(m),
      diff: g.diff,
      se: g.se,
      seeds: shared.length,
      verdict: g.n < 2 ? ('untested' as const) : g.real ? ('behind' as const) : ('tie' as const),
    };
  });
}

/** One option of a method against the best option of another method that fits in the same memory, paired over seeds. */
export interface MemoryGap {
  option: string;
  bits: number;
  mean: number;
  other: string;
  otherOption: string;
  otherBits: number;
  otherMean: number;
  /** Mean over shared seeds of (this - other), its standard error, the seeds, and whether it exceeds twice the se. */
  diff: number;
  se: number;
  n: number;
  real: boolean;
}

/**
 * Equal-memory comparison of a study's runs: for every option of `method` (runs grouped by `optionOf`, memory from
 * memory_bits_per_class), cheapest first, and each method in `others`, the other's option with the best mean among those
 * that need at most as many bits per class, and the paired per-seed gap to it (notebook 06: GBM against replay).
 */
export function equalMemoryGaps(runs: SweepRow[], method: string, others: string[], optionOf: (r: SweepRow) => string, metric = 'avg_inc_acc'): MemoryGap[] {
  const options = (m: string) => {
    const by = new Map<string, { bits: number; seeds: Map<number, number> }>();
    for (const r of runs.filter((x) => x.method === m)) {
      const o = optionOf(r);
      const e = by.get(o) ?? { bits: Number(r.memory_bits_per_class), seeds: new Map<number, number>() };
      e.seeds.set(Number(r.seed ?? 0), Number(r[metric]));
      by.set(o, e);
    }
    return [...by.entries()].map(([option, e]) => ({ option, ...e, mean: [...e.seeds.values()].reduce((a, b) => a + b, 0) / e.seeds.size }));
  };
  const out: MemoryGap[] = [];
  for (const a of options(method).sort((x, y) => x.bits - y.bits)) {
    for (const other of others) {
      const fits = options(other).filter((b) => b.bits <= a.bits);
      if (fits.length === 0) continue;
      const b = fits.reduce((x, y) => (y.mean > x.mean ? y : x));
      const seeds = [...a.seeds.keys()].filter((s) => b.seeds.has(s));
      const g = pairedGap(
        seeds.map((s) => a.seeds.get(s) as number),
        seeds.map((s) => b.seeds.get(s) as number),
      );
      out.push({ option: a.option, bits: a.bits, mean: a.mean, other, otherOption: b.option, otherBits: b.bits, otherMean: b.mean, ...g });
    }
  }
  return out;
}
