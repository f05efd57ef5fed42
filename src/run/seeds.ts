import path from 'node:path';
import { danfo } from '../util/danfo.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { baseLayout, type Figure } from '../figures/figure.js';
import { styleOf } from '../figures/style.js';
import { formatMeanStd, meanStd } from '../tables/uncertainty.js';

type MeanStd = ReturnType<typeof meanStd>;
import type { RunResult } from './runner.js';

/** The summary metrics aggregated over seeds. */
export const SEED_METRICS = [
  'averageIncrementalAccuracy',
  'averageIncrementalAccuracyNoBase',
  'finalAccuracy',
  'averageForgetting',
  'backwardTransfer',
] as const;
export type SeedMetric = (typeof SEED_METRICS)[number];

/** One config run over several seeds: every seed's value and mean ± sample std of each summary metric. */
export interface SeedSummary {
  format: 'gbm-seeds/1';
  /** The runs' shared name without the seed. */
  name: string;
  seeds: number[];
  runs: string[];
  metrics: Record<SeedMetric, { mean: number; std: number; n: number; values: number[] }>;
}

/** Parse "1993,1994,1995" into distinct non-negative integer seeds, with an error naming the option. */
export function parseSeeds(text: string): number[] {
  const seeds = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new GbmError(`--seeds "${text}" is not a list of non-negative integers.`, 'write e.g. --seeds 1993,1994,1995.');
  if (new Set(seeds).size !== seeds.length) throw new GbmError(`--seeds "${text}" repeats a seed.`, 'list each seed once.');
  return seeds;
}

/** Mean and spread over seeds of runs that differ only in their seed (checked: anything else is a mistake). */
export function summarizeSeeds(runs: RunResult[]): SeedSummary {
  const strip = (r: RunResult) => JSON.stringify({ ...r.config, seed: 0 });
  if (runs.some((r) => strip(r) !== strip(runs[0])))
    throw new GbmError('runs given to summarizeSeeds differ in more than their seed.', 'summarise runs of one config only.');
  const metrics = Object.fromEntries(
    SEED_METRICS.map((m) => {
      const values = runs.map((r) => (r.summary[m] ?? NaN) as number);
      return [m, { ...meanStd(values), values }];
    }),
  ) as SeedSummary['metrics'];
  return { format: 'gbm-seeds/1', name: runs[0].name.replace(/-s\d+$/, ''), seeds: runs.map((r) => r.config.seed), runs: runs.map((r) => r.name), metrics };
}

/** Write seeds.json and seeds.csv (a row per seed, then mean and std rows) into `dir`; returns the files. */
export function writeSeedSummary(dir: string, s: SeedSummary): string[] {
  const rows: Array<Record<string, string | number>> = s.seeds.map((seed, i) => ({
    seed: String(seed),
    run: s.runs[i],
    ...Object.fromEntries(SEED_METRICS.map((m) => [m, s.metrics[m].values[i]])),
  }));
  rows.push({ seed: 'mean', run: '', ...Object.fromEntries(SEED_METRICS.map((m) => [m, s.metrics[m].mean])) });
  rows.push({ seed: 'std', run: '', ...Object.fromEntries(SEED_METRICS.map((m) => [m, s.metrics[m].std])) });
  const files = [path.join(dir, 'seeds.json'), path.join(dir, 'seeds.csv')];
  writeFileAtomic(files[1], danfo().toCSV(new (danfo().DataFrame)(rows), {}) as string);
  writeJsonAtomic(files[0], s);
  return files;
}

/** Runs of one method over seeds, as a figure or table groups them: the method's name keys its style. */
export interface SeedGroup {
  method: string;
  runs: RunResult[];
}

/** Per step, over the seeds of a group: mean and sample std of A_t, old- and new-class accuracy (NaN where undefined). */
export function seedSteps(runs: RunResult[]): Array<{ step: number; seen: number; accuracy: MeanStd; old: MeanStd; new: MeanStd; memoryBits: number }> {
  const steps = runs[0]?.steps ?? [];
  if (runs.some((r) => r.steps.length !== steps.length))
    throw new GbmError('runs given to seedSteps have different numbers of steps.', 'group runs of one scenario only.');
  return steps.map((s, t) => ({
    step: s.step,
    seen: s.seenClasses,
    accuracy: meanStd(runs.map((r) => r.steps[t].accuracy)),
    old: meanStd(runs.map((r) => r.steps[t].oldAccuracy).filter((v) => !Number.isNaN(v))),
    new: meanStd(runs.map((r) => r.steps[t].newAccuracy)),
    memoryBits: s.memoryBits,
  }));
}

/** A step table over seeds: mean ± std (%) of A_t and its old/new split per step; one seed shows no ±. */
export function seedStepsTable(runs: RunResult[]): Array<Record<string, string | number>> {
  const pct = (m: MeanStd) => (m.n === 0 ? '-' : formatMeanStd(m.mean, m.std, m.n, 2, 100));
  return seedSteps(runs).map((s) => ({
    step: s.step,
    'classes seen': s.seen,
    'A_t (%)': pct(s.accuracy),
    'old (%)': pct(s.old),
    'new (%)': pct(s.new),
    'memory KiB': Math.round(s.memoryBits / 8192),
  }));
}

/** A_t against classes seen for each method, mean over its seeds with ± std error bars, in the method's colour. */
export function seedAccuracyFigure(groups: SeedGroup[], title: string, subtitle?: string): Figure {
  return {
    data: groups.map((g) => {
      const st = styleOf(g.method);
      const s = seedSteps(g.runs);
      const several = g.runs.length > 1;
      return {
        x: s.map((v) => v.seen),
        y: s.map((v) => 100 * v.accuracy.mean),
        error_y: several ? { type: 'data', array: s.map((v) => 100 * v.accuracy.std), visible: true, color: st.color } : undefined,
        type: 'scatter',
        mode: 'lines+markers',
        name: `${st.label}${several ? ` (${g.runs.length} seeds)` : ''}`,
        line: { color: st.color, dash: st.dash ?? 'solid' },
        marker: { color: st.color },
      } as Figure['data'][number];
    }),
    layout: baseLayout(subtitle ? `${title}<br><sub>${subtitle}</sub>` : title, {
      xaxis: { title: { text: 'classes seen' } },
      yaxis: { title: { text: 'top-1 accuracy on all classes seen (%)' }, rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.2 },
      margin: { l: 60, r: 20, t: 70, b: 90 },
    }),
  };
}
