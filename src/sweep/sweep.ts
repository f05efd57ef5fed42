import fs from 'node:fs';
import path from 'node:path';
import { danfo } from '../util/danfo.js';
import { resolveConfig } from '../run/config.js';
import type { RunConfig } from '../cil/config.js';
import { stepExtra, type RunResult } from '../run/runner.js';
import { snakeCase } from '../run/results.js';
import { configFromOptions } from '../run/options.js';
import { extractFeatures } from '../features/extract.js';
import { readJsonOrNull, writeFileAtomic, writeJsonAtomic, assertWritableDir } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { Progress } from '../util/progress.js';
import { checkGrids, expandGrid, gridColumns, type Grid, type SweepJob } from './grid.js';
import { meanStd } from '../tables/uncertainty.js';
import { ProcessPoolExecutor, type SweepExecutor } from './executor.js';

/** What defines a sweep: base run options and the grid (or list of alternative grids) over them. */
export interface SweepSpec {
  /** Folder name under <results>/sweeps/. */
  name: string;
  /** Options every run shares, by config path (`classifier.epochs`) or `gbm run` flag (`epochs`). */
  base: Record<string, string | number | boolean | undefined>;
  /** Keys by config path or flag; a list of grids sweeps each (scikit-learn's param_grid list), duplicates merged. */
  grid: Grid | Grid[];
}

/** A spec's grids checked, and as sweep.json records them (keys as flag names; one grid stays an object). */
function specGrids(spec: SweepSpec): { grids: Grid[]; record: Grid | Grid[] } {
  const grids = checkGrids(spec.grid);
  return { grids, record: Array.isArray(spec.grid) ? grids : grids[0] };
}

/** Options of runSweep beyond the spec. */
export interface SweepOptions {
  /** Results root (default: results). The sweep lives in <results>/sweeps/<name>/. */
  results?: string;
  /** Where runs execute (default: one process per core). */
  executor?: SweepExecutor;
  /** Draw the overall progress bar on stderr. */
  progress?: boolean;
  /** Where to report failed runs, feature extraction and the summary (default: console.error). */
  log?: (line: string) => void;
  /** Run only the run at this index of the expanded grid (an array job's task); no tables are written. */
  runIndex?: number;
}

/** One row per finished run: the swept values and the run's summary metrics. */
export interface SweepRow {
  [key: string]: string | number;
}

/** A finished (or resumed) sweep: its folder, the per-run rows, and mean/std over seeds. */
export interface SweepResult {
  dir: string;
  jobs: number;
  ran: number;
  skipped: number;
  failed: Array<{ id: string; error: string }>;
  runs: SweepRow[];
  summary: SweepRow[];
  seconds: number;
}

const METRICS: Array<[string, (r: RunResult) => number]> = [
  ['avg_inc_acc', (r) => r.summary.averageIncrementalAccuracy],
  // Older results files lack the matrix-derived fields: NaN, never a made-up number.
  ['avg_inc_acc_nobase', (r) => r.summary.averageIncrementalAccuracyNoBase ?? NaN],
  ['final_acc', (r) => r.summary.finalAccuracy],
  ['forgetting', (r) => r.summary.averageForgetting],
  ['bwt', (r) => r.summary.backwardTransfer ?? NaN],
  ['memory_bits_per_class', (r) => r.summary.bitsPerClass],
  ['input_bits', (r) => r.inputDim],
  ['seconds', (r) => r.summary.seconds],
];

/** Each extra per-step statistic of a run (StepStats.extra), averaged over the steps that report it. */
function extraMetrics(r: RunResult): Record<string, number> {
  const sums = new Map<string, number[]>();
  for (const s of r.steps) for (const [k, v] of Object.entries(stepExtra(s))) sums.set(k, [...(sums.get(k) ?? []), v]);
  return Object.fromEntries([...sums].map(([k, v]) => [snakeCase(k), v.reduce((a, b) => a + b, 0) / v.length]));
}

/**
 * A sweep's folder and runs: the grid expanded (every config checked), sweep.json written on first use and compared
 * on every later one, so a folder never mixes two configs (a narrowed grid within it, or a wider one that holds it, is
 * the same study: accepted, and sweep.json keeps the wider grid).
 */
function openSweep(spec: SweepSpec, opts: Pick<SweepOptions, 'results'>): { dir: string; jobs: SweepJob[]; grids: Grid[]; record: object } {
  const { grids, record: grid } = specGrids(spec);
  if (!/^[\w.-]+$/.test(spec.name)) throw new GbmError(`sweep name "${spec.name}" is not a plain folder name.`, 'use letters, digits, ".", "-" and "_".');
  const base: RunConfig = resolveConfig(configFromOptions(spec.base));
  const jobs = expandGrid(spec.base, grids);
  const dir = path.resolve(opts.results ?? 'results', 'sweeps', spec.name);
  assertWritableDir(dir, 'sweep');
  const record = { format: 'gbm-sweep/1', name: spec.name, base, grid };
  const recordFile = path.join(dir, 'sweep.json');
  if (fs.existsSync(recordFile)) {
    let old: typeof record;
    try {
      old = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as typeof record;
    } catch (e) {
      throw new GbmError(
        `cannot read ${recordFile}: ${(e as Error).message}.`,
        'delete that sweep folder to start it over, or give this sweep another --name.',
      );
    }
    if (JSON.stringify({ base: old.base, grid: old.grid }) !== JSON.stringify({ base, grid })) {
      // A study narrowed from the command line (--grid tasks=5) shares the folder of the whole study, and the whole
      // study continues a narrowed one: same base, and one grid's runs all among the other's. Anything else is refused.
      const mine = new Set(jobs.map((j) => j.id));
      let theirs: Set<string> | null = null;
      if (JSON.stringify(old.base) === JSON.stringify(base)) {
        try {
          theirs = new Set(expandGrid(spec.base, checkGrids(old.grid)).map((j) => j.id));
        } catch {
          theirs = null;
        }
      }
      const held = theirs ?? new Set<string>();
      const within = theirs !== null && [...mine].every((id) => held.has(id));
      const widens = theirs !== null && [...held].every((id) => mine.has(id));
      if (!within && !widens)
        throw new GbmError(
          `${dir} holds a sweep written by a different config (base options differ, or neither grid holds the other's runs).`,
          'give this sweep another --name, or delete that folder to start it over.',
        );
      if (widens && !within) writeJsonAtomic(recordFile, record);
    }
  } else writeJsonAtomic(recordFile, record);
  return { dir, jobs, grids, record };
}

/**
 * Write a sweep's expanded runs to <sweep>/plan.jsonl, one JSON object per line (index, config hash, grid point,
 * full config), so an array job (a Kubernetes Indexed Job, a SLURM array) runs index I with `--run-index I` and no
 * queue server; `--collect` then tabulates them.
 */
export function planSweep(spec: SweepSpec, opts: Pick<SweepOptions, 'results'> = {}): { dir: string; file: string; jobs: SweepJob[] } {
  const { dir, jobs } = openSweep(spec, opts);
  const file = path.join(dir, 'plan.jsonl');
  const lines = jobs.map((j, index) => JSON.stringify({ index, id: j.id, point: j.point, config: j.config }));
  writeFileAtomic(file, `${lines.join('\n')}\n`);
  return { dir, file, jobs };
}

/**
 * Run every combination of a grid as independent runs (one process per core by default), skipping runs whose
 * results.json already exists (an interrupted sweep resumes where it stopped), then collect runs.csv (one row
 * per run) and summary.csv (mean and sample std of every metric over seeds).
 */
export async function runSweep(spec: SweepSpec, opts: SweepOptions = {}): Promise<SweepResult> {
  const t0 = Date.now();
  const log = opts.log ?? ((l: string) => console.error(l));
  const { dir, jobs: all, grids, record } = openSweep(spec, opts);
  let jobs = all;
  if (opts.runIndex !== undefined) {
    const i = opts.runIndex;
    if (!Number.isInteger(i) || i < 0 || i >= all.length)
      throw new GbmError(`--run-index ${i} is not a run of sweep ${spec.name} (it has ${all.length}: 0 to ${all.length - 1}).`, 'see them with --plan.');
    jobs = [all[i]];
  }
  const runDir = (j: SweepJob) => path.join(dir, 'runs', j.id);
  // A results.json that does not parse (cut short by a crash or a full disk) marks an unfinished run: rerun it.
  const done = (j: SweepJob) => {
    const f = path.join(runDir(j), 'results.json');
    if (!fs.existsSync(f)) return false;
    if (readJsonOrNull<RunResult>(f)?.format === 'gbm-run/1') return true;
    log(`run ${j.id}: ${f} is damaged (not a complete results file); running it again`);
    fs.rmSync(f, { force: true });
    return false;
  };
  const todo = jobs.filter((j) => !done(j));
  const executor: SweepExecutor = opts.executor ?? new ProcessPoolExecutor();
  const bar = new Progress({
    label: `sweep ${spec.name}`,
    total: jobs.length,
    initial: jobs.length - todo.length,
    unit: 'run',
    stream: opts.progress === false ? null : process.stderr,
  });
  const failed: SweepResult['failed'] = [];
  for (const j of todo) fs.mkdirSync(runDir(j), { recursive: true });
  // Extract (or check) every feature set once here, so parallel runs never extract the same one side by side
  // (remote workers keep their own caches and extract there).
  const featureSets = new Map(todo.map((j) => [JSON.stringify(j.config.features), j.config.features] as const));
  if (!executor.remote)
    for (const f of featureSets.values())
      if (!f.path) await extractFeatures({ ...f, progress: opts.progress !== false, log: opts.progress === false ? () => {} : opts.log });
  await executor.run(
    todo.map((job) => ({ job, dir: runDir(job) })),
    (t, error) => {
      if (error) {
        failed.push({ id: t.job.id, error });
        log(`run ${t.job.id} (${JSON.stringify(t.job.point)}) failed: ${error}`);
      }
      bar.tick();
    },
  );
  bar.finish();
  // One run of an array job (--run-index): the other indices write beside it; --collect tabulates them all.
  if (opts.runIndex !== undefined)
    return { dir, jobs: 1, ran: todo.length - failed.length, skipped: 1 - todo.length, failed, runs: [], summary: [], seconds: (Date.now() - t0) / 1000 };
  const c = collectRuns(dir, all, gridColumns(grids), record, failed);
  return {
    dir,
    jobs: all.length,
    ran: todo.length - failed.length,
    skipped: all.length - todo.length,
    failed,
    runs: c.runs,
    summary: c.summary,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Rows of the finished runs among `jobs`, their summary over seeds, written to runs.csv, summary.csv and summary.json. */
function collectRuns(dir: string, jobs: SweepJob[], keys: string[], record: object, failed: SweepResult['failed']): { runs: SweepRow[]; summary: SweepRow[] } {
  const runs: SweepRow[] = [];
  for (const j of jobs) {
    const r = readJsonOrNull<RunResult>(path.join(dir, 'runs', j.id, 'results.json'));
    if (r?.format !== 'gbm-run/1') continue;
    const row: SweepRow = { run: j.id, method: r.config.method.name };
    for (const k of keys) row[k] = j.point[k] ?? '';
    for (const [m, f] of METRICS) row[m] = f(r);
    Object.assign(row, extraMetrics(r));
    runs.push(row);
  }
  // Every row gets every column (a method without EM has no em_iterations: NaN, not 0).
  const fixed = new Set(['run', 'method', ...keys, ...METRICS.map(([m]) => m)]);
  const extra = [...new Set(runs.flatMap((r) => Object.keys(r)))].filter((k) => !fixed.has(k));
  for (const r of runs) for (const k of extra) r[k] ??= NaN;
  const summary = summarize(
    runs,
    keys.filter((k) => k !== 'seed'),
    [...METRICS.map(([m]) => m), ...extra],
  );
  if (runs.length) {
    writeFileAtomic(path.join(dir, 'runs.csv'), danfo().toCSV(new (danfo().DataFrame)(runs), {}) as string);
    writeFileAtomic(path.join(dir, 'summary.csv'), danfo().toCSV(new (danfo().DataFrame)(summary), {}) as string);
  }
  writeJsonAtomic(path.join(dir, 'summary.json'), { ...record, jobs: jobs.length, finished: runs.length, failed, runs, summary });
  return { runs, summary };
}

/**
 * Tabulate the finished runs of a sweep without running any (an interrupted or partly run sweep): the same rows,
 * summary and files as runSweep, over the runs that exist; `jobs - runs.length` are still to run.
 */
export function collectSweep(spec: SweepSpec, opts: Pick<SweepOptions, 'results'> = {}): SweepResult {
  const t0 = Date.now();
  const { grids, record: grid } = specGrids(spec);
  const base: RunConfig = resolveConfig(configFromOptions(spec.base));
  const jobs = expandGrid(spec.base, grids);
  const dir = path.resolve(opts.results ?? 'results', 'sweeps', spec.name);
  if (!fs.existsSync(path.join(dir, 'sweep.json'))) throw new GbmError(`${dir} holds no sweep.`, `run it first: gbm sweep --name ${spec.name} ...`);
  const c = collectRuns(dir, jobs, gridColumns(grids), { format: 'gbm-sweep/1', name: spec.name, base, grid }, []);
  return { dir, jobs: jobs.length, ran: 0, skipped: c.runs.length, failed: [], runs: c.runs, summary: c.summary, seconds: (Date.now() - t0) / 1000 };
}

/** Group rows by the given keys (and method); mean and sample standard deviation of every metric, with n (std empty for n = 1). */
export function summarize(rows: SweepRow[], keys: string[], metrics: string[] = METRICS.map(([m]) => m)): SweepRow[] {
  const groups = new Map<string, SweepRow[]>();
  for (const r of rows) {
    const k = JSON.stringify([r.method, ...keys.map((x) => r[x])]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const out: SweepRow = { method: g[0].method };
    for (const k of keys) out[k] = g[0][k];
    out.n = g.length;
    for (const m of metrics) {
      const { mean, std } = meanStd(g.map((r) => Number(r[m])));
      out[`${m}_mean`] = mean;
      out[`${m}_std`] = g.length > 1 ? std : '';
    }
    return out;
  });
}
