import { METHODS } from '../methods/registry.js';
import type { Grid } from '../sweep/grid.js';
import type { SweepRow } from '../sweep/sweep.js';
import { formatMeanStd, meanStd, pairedGap } from './uncertainty.js';

/** A number a paper or an official repository reports for a method, where it was measured, and where it says so. */
export interface Reported {
  method: string;
  /** Method options the number belongs to (e.g. FeTrIL's head), matched against the table row's variant. */
  variant?: Record<string, string>;
  text: string;
  source: string;
}

/** Reported numbers (docs/method.md), each with its source. None of them used the kit's backbone. */
export const REPORTED: Reported[] = [
  {
    method: 'gbm',
    text: '+1.5 avg. inc. acc. over the state of the art on TinyImageNet; +2.9 on CIFAR-100',
    source: 'GBM paper abstract (arXiv 2503.10333), ResNet-18 trained on the base classes with its binarizer',
  },
  {
    method: 'fetril',
    variant: { head: 'svm' },
    text: 'avg. inc. acc. TinyImageNet B100 54.8 / 53.1 / 52.2, CIFAR-100 B50 66.3 / 65.2 / 61.5 (T = 5 / 10 / 20)',
    source: 'FeTrIL official README (GregoirePetit/FeTrIL), LinearSVC head, ResNet-18',
  },
  {
    method: 'fetril',
    variant: { head: 'fc' },
    text: 'avg. inc. acc. TinyImageNet B100 52.9 / 51.7 / 49.7, CIFAR-100 B50 64.7 / 63.4 / 57.4 (T = 5 / 10 / 20)',
    source: 'FeTrIL official README, FC head, ResNet-18',
  },
  {
    method: 'fecam',
    text: 'avg. inc. acc. about 70 on CIFAR-100 B50',
    source: 'FeCAM paper, Table 1, as its author confirms in dipamgoswami/FeCAM issue #1; ResNet-18',
  },
];

/** The reported numbers that belong to a method (and variant), as one cell, labelled as not comparable with the kit's backbone. */
export function reportedCell(method: string, variant: Record<string, string> = {}): string {
  const spec = METHODS[method];
  const opts = (v: Record<string, string>) => Object.entries(v).every(([k, x]) => (variant[k] ?? String(spec?.options[k]?.default ?? '')) === x);
  const hits = REPORTED.filter((r) => r.method === method && (!r.variant || opts(r.variant)));
  return hits.map((r) => `${r.text} (${r.source}; not comparable: another backbone)`).join('; ');
}

/** Rows of one method variant for one T, keyed by seed. */
function bySeed(runs: SweepRow[], label: string, T: number, labelOf: (r: SweepRow) => string): Map<string, SweepRow> {
  return new Map(runs.filter((r) => labelOf(r) === label && Number(r.tasks) === T).map((r) => [String(r.seed ?? ''), r]));
}

/**
 * The method-comparison table from a sweep's per-run rows (runs.csv): one row per method (and variant, e.g.
 * FeTrIL's head), A_T and the average incremental accuracy per number of tasks as mean ± std over seeds (the
 * mean alone for one seed), memory per class, the gap to GBM in average incremental accuracy for each T
 * (paired by seed; "(tie)" when it is within twice the standard error of the paired differences), and what
 * the literature reports, with its source.
 */
export function comparisonTable(runs: SweepRow[], tasks: number[], variants: string[] = [], reference = 'gbm'): Array<Record<string, string>> {
  const variantOf = (r: SweepRow) => Object.fromEntries(variants.filter((k) => r[k] !== undefined && r[k] !== '').map((k) => [k, String(r[k])]));
  const labelOf = (r: SweepRow) => {
    const v = Object.entries(variantOf(r));
    return v.length ? `${r.method} (${v.map(([k, x]) => `${k} ${x}`).join(', ')})` : String(r.method);
  };
  const order = Object.keys(METHODS);
  const labels = [...new Set(runs.map(labelOf))].sort((a, b) => order.indexOf(a.split(' ')[0]) - order.indexOf(b.split(' ')[0]) || (a < b ? -1 : 1));
  const pct = (m: string, rows: SweepRow[]) => {
    const s = meanStd(rows.map((r) => Number(r[m])));
    return formatMeanStd(s.mean, s.std, s.n, 2, 100);
  };
  return labels.map((label) => {
    const first = runs.find((r) => labelOf(r) === label)!;
    const row: Record<string, string> = { method: label };
    const gaps: string[] = [];
    for (const T of tasks) {
      const mine = bySeed(runs, label, T, labelOf);
      row[`A_T (T=${T})`] = pct('final_acc', [...mine.values()]);
      row[`avg (T=${T})`] = pct('avg_inc_acc', [...mine.values()]);
      const ref = bySeed(runs, reference, T, labelOf);
      const seeds = [...mine.keys()].filter((s) => ref.has(s));
      if (label === reference || seeds.length === 0) {
        gaps.push(label === reference ? '' : '-');
        continue;
      }
      const g = pairedGap(
        seeds.map((s) => Number(mine.get(s)!.avg_inc_acc)),
        seeds.map((s) => Number(ref.get(s)!.avg_inc_acc)),
      );
      const d = `${g.diff >= 0 ? '+' : ''}${(100 * g.diff).toFixed(2)}`;
      gaps.push(g.n < 2 ? `${d} (1 seed)` : g.real ? d : `${d} (tie)`);
    }
    const mem = runs.filter((r) => labelOf(r) === label && Number(r.tasks) === tasks[0]);
    row['KiB/class'] = mem.length ? (meanStd(mem.map((r) => Number(r.memory_bits_per_class))).mean / 8192).toFixed(1) : '';
    row[`avg - ${reference} (T=${tasks.join('/')})`] = gaps.every((g) => g === '') ? '' : gaps.join(' / ');
    row['reported (source)'] = reportedCell(String(first.method), variantOf(first));
    return row;
  });
}

/** The table as GitHub markdown (README, BENCHMARKS). */
export function markdownTable(rows: Array<Record<string, string>>): string {
  const cols = Object.keys(rows[0] ?? {});
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`)].join('\n');
}

/**
 * The comparison table of a sweep that compares methods with GBM (its grid names gbm and at least one other
 * method, and GBM itself runs in one configuration), as markdown, or null for any other sweep (a study over GBM's
 * own options, such as memory against accuracy, is not a method comparison). Variants are the other grid keys (e.g.
 * FeTrIL's head). `tasks` is the number of tasks of runs whose grid does not vary it (their config's T).
 */
export function sweepComparison(runs: SweepRow[], grids: Grid[], tasks?: number): string | null {
  const methods = new Set(grids.flatMap((g) => (g.method ?? []).map(String)));
  if (!methods.has('gbm') || methods.size < 2 || runs.length === 0) return null;
  const variants = [...new Set(grids.flatMap((g) => Object.keys(g)))].filter((k) => !['method', 'seed', 'tasks'].includes(k));
  const gbmVariants = new Set(runs.filter((r) => r.method === 'gbm').map((r) => variants.map((k) => String(r[k] ?? '')).join('\u0000')));
  if (gbmVariants.size > 1) return null;
  const rows = runs.map((r) => (r.tasks === undefined || r.tasks === '' ? { ...r, tasks: tasks ?? Number.NaN } : r));
  const ts = [...new Set(rows.map((r) => Number(r.tasks)))].filter(Number.isFinite).sort((a, b) => a - b);
  if (ts.length === 0) return null;
  return markdownTable(comparisonTable(rows, ts, variants));
}
