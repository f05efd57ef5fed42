import { METHODS } from '../baselines/registry.js';
import type { SweepRow } from '../sweep/sweep.js';

/** What the literature reports for a method (method.md), with the setting it was measured in. */
export interface Reported {
  text: string;
  setting: string;
}

/** Numbers the papers report, where known (docs/method.md). None are on TinyImageNet with MobileNet features. */
export const LITERATURE: Record<string, Reported> = {
  gbm: { text: '+1.5 avg. inc. acc. over the state of the art on TinyImageNet; +2.9 on CIFAR-100', setting: 'paper abstract, ResNet-18 trained on the base classes with its binarizer' },
  fetril: { text: 'avg. inc. acc. 66.3 (T=5), 65.2 (T=10) with an SVM head; 64.7, 63.4 with an FC head', setting: 'FeTrIL, WACV 2023: CIFAR-100 B50, ResNet-18' },
  fecam: { text: 'the other frozen-backbone state of the art GBM compares with', setting: 'FeCAM, NeurIPS 2023 (beta 0.5, shrunk covariances)' },
};

/**
 * The method-comparison table: one row per method, A_T and the average incremental accuracy for each number
 * of tasks (means over the seeds run), memory per class, and what the literature reports beside it.
 */
export function comparisonTable(summary: SweepRow[], tasks: number[]): Array<Record<string, string>> {
  const pct = (v: unknown) => (v === undefined ? '' : (100 * Number(v)).toFixed(2));
  const methods = Object.keys(METHODS).filter((m) => summary.some((r) => r.method === m));
  return methods.map((m) => {
    const row: Record<string, string> = { method: m };
    for (const T of tasks) {
      const r = summary.find((s) => s.method === m && Number(s.tasks) === T);
      row[`A_T (T=${T})`] = pct(r?.final_acc_mean);
      row[`avg (T=${T})`] = pct(r?.avg_inc_acc_mean);
    }
    const r5 = summary.find((s) => s.method === m);
    row['KiB/class'] = r5 ? (Number(r5.memory_bits_per_class_mean) / 8192).toFixed(1) : '';
    row['reported elsewhere'] = LITERATURE[m] ? `${LITERATURE[m].text} (${LITERATURE[m].setting})` : '';
    return row;
  });
}

/** The table as GitHub markdown (README, BENCHMARKS). */
export function markdownTable(rows: Array<Record<string, string>>): string {
  const cols = Object.keys(rows[0] ?? {});
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`)].join('\n');
}
