import path from 'node:path';
import { danfo } from '../util/danfo.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { meanStd } from '../tables/uncertainty.js';
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
