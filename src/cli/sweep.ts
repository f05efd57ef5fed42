import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../util/project.js';
import { GbmError } from '../util/errors.js';
import type * as Queue from '../sweep/queue.js';
import type { Command } from './args.js';
import { RUN_OPTIONS } from './run.js';
import { parseGrid, checkGrids, gridColumns, gridKeys, overrideGrid, type Grid } from '../sweep/grid.js';
import { ProcessPoolExecutor } from '../sweep/executor.js';
import { STUDIES } from '../sweep/studies.js';
import { collectSweep, planSweep, runSweep, type SweepRow, type SweepSpec } from '../sweep/sweep.js';
import { sweepComparison } from '../tables/comparison.js';
import { writeFileAtomic } from '../util/atomic.js';
import { formatMeanStd } from '../tables/uncertainty.js';
import { resolveConfig } from '../run/config.js';
import { configFromOptions } from '../run/options.js';

/** A summary cell in percent: mean ± std over seeds, the mean alone for one seed. */
const pm = (r: Record<string, string | number>, m: string) => formatMeanStd(Number(r[`${m}_mean`]), Number(r[`${m}_std`]), Number(r.n), 2, 100);

/** Print a sweep summary as an aligned table (means +- std over seeds). */
export function printSummary(rows: Array<Record<string, string | number>>, keys: string[]): void {
  keys = keys.filter((k) => k !== 'seed' && k !== 'method');
  const head = ['method', ...keys, 'n', 'avg inc acc (%)', 'final (%)', 'bits/class'];
  const body = rows.map((r) => [
    String(r.method),
    ...keys.map((k) => String(r[k])),
    String(r.n),
    pm(r, 'avg_inc_acc'),
    pm(r, 'final_acc'),
    String(Math.round(Number(r.memory_bits_per_class_mean))),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, ...body]) console.log(line.map((c, i) => c.padStart(w[i])).join('  '));
}

/** A sweep that compares methods with GBM: print its comparison table (paired gaps to GBM) and write comparison.md. */
function writeComparison(dir: string, runs: SweepRow[], grids: Grid[], base: SweepSpec['base']): boolean {
  const md = sweepComparison(runs, grids, resolveConfig(configFromOptions(base)).scenario.tasks);
  if (!md) return false;
  console.log(`\nAgainst GBM (avg - gbm: mean of the per-seed differences; "(tie)" within twice its standard error):\n${md}\n`);
  writeFileAtomic(path.join(dir, 'comparison.md'), `${md}\n`);
  return true;
}

/** `gbm sweep`. */
export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'run a grid of experiments (one process per core, resumable) and tabulate mean +- std over seeds',
  description: [
    'Every combination of --grid over the base options is one independent run under results/sweeps/<name>/runs/<hash>/.',
    'Finished runs are skipped, so an interrupted sweep resumes where it stopped. Keys that do not apply to a',
    'combination (levels for Heaviside, K for NCM, ...) are dropped and duplicates merged.',
    'Writes runs.csv (one row per run), summary.csv (mean and std over seeds) and summary.json.',
    'Beyond one machine: --queue redis://HOST:PORT puts the runs on a queue that `gbm worker --queue ...` processes',
    'on any machines pull from (a rerun of the same command picks the sweep up); or --plan, then --run-index I per',
    'task of an array job (no server), then --collect.',
    `Grid keys: ${gridKeys().join(', ')}.`,
    `Studies (--study): ${Object.entries(STUDIES)
      .map(([k, s]) => `${k}: ${s.description}`)
      .join('; ')}.`,
    'Example: gbm sweep --name kp --grid "memory.em.K=1,8 binarizer.levels=1,2 seed=1993,1994" --epochs 4 (K=1,8 levels=1,2 is the same grid)',
  ].join('\n'),
  options: [
    { name: 'study', type: 'string', help: `a predefined sweep: ${Object.keys(STUDIES).join(' | ')}` },
    {
      name: 'grid',
      type: 'string',
      help: 'grid as "key=v1,v2 key2=v1,v2" (keys: gbm run flags or config paths, e.g. K or memory.em.K); with --study, the keys it names replace the study\'s values (--study baselines --grid tasks=5)',
    },
    { name: 'grid-file', type: 'string', help: 'grid as a JSON file {"memory.em.K": [1, 8], "seed": [1993, 1994]}, or a list of such grids (alternatives)' },
    { name: 'name', type: 'string', help: 'sweep folder name under <results>/sweeps/ (default: the study name, or "sweep")' },
    { name: 'jobs', type: 'int', help: 'runs at a time (default: number of cores)' },
    { name: 'collect', type: 'boolean', help: 'run nothing: tabulate the runs of the sweep that have finished (the others are counted as left)' },
    {
      name: 'queue',
      type: 'string',
      help: 'redis://HOST:PORT: put the runs on a BullMQ queue that `gbm worker` processes on any machines pull from, and collect their results here',
    },
    { name: 'plan', type: 'boolean', help: 'run nothing: write the expanded runs to <sweep>/plan.jsonl (index, hash, config per line) for an array job' },
    { name: 'run-index', type: 'int', help: 'run only the run at this index of the plan (a Kubernetes Indexed Job or SLURM array task); then --collect' },
    ...RUN_OPTIONS.filter((o) => o.name !== 'no-figure'),
  ],
  async run(o) {
    let spec: SweepSpec;
    const base: SweepSpec['base'] = {};
    for (const opt of RUN_OPTIONS) if (o[opt.name] !== undefined && opt.name !== 'results') base[opt.name] = o[opt.name];
    if (o['study']) {
      const s = STUDIES[String(o['study'])];
      if (!s) throw new GbmError(`unknown study "${o['study']}".`, `use one of: ${Object.keys(STUDIES).join(', ')}.`);
      if (o['grid-file'] !== undefined)
        throw new GbmError('--grid-file replaces a grid, and --study brings its own.', 'use --grid "key=v1,v2" to narrow the study, or --grid-file alone.');
      // --grid narrows a study: the keys it names take its values in every grid of the study (e.g. tasks=5).
      const grid = o['grid'] !== undefined ? overrideGrid(s.grid, parseGrid(String(o['grid']))) : s.grid;
      spec = { name: String(o['name'] ?? s.name), base: { ...s.base, ...base }, grid };
    } else {
      let grid: Grid | Grid[];
      if (o['grid-file']) {
        const f = String(o['grid-file']);
        try {
          const json = JSON.parse(fs.readFileSync(f, 'utf8')) as Grid | Grid[];
          checkGrids(json);
          grid = json;
        } catch (e) {
          if ((e as Error).name === 'GbmError') throw e;
          throw new GbmError(`cannot read grid file ${f}: ${(e as Error).message}.`, 'write it as JSON: {"K": [1, 8], "seed": [1993, 1994]}.');
        }
      } else if (o['grid'] !== undefined) grid = parseGrid(String(o['grid']));
      else throw new GbmError('no grid given.', 'pass --grid "K=1,8 seed=1993,1994", --grid-file FILE or --study NAME.');
      spec = { name: String(o['name'] ?? 'sweep'), base, grid };
    }
    const results = path.resolve(PROJECT_ROOT, String(o['results'] ?? 'results'));
    if (o['collect']) {
      const c = collectSweep(spec, { results });
      printSummary(c.summary, gridColumns(checkGrids(spec.grid)));
      const cmp = writeComparison(c.dir, c.runs, checkGrids(spec.grid), spec.base);
      console.log(`${c.runs.length} of ${c.jobs} runs finished, ${c.jobs - c.runs.length} left (rerun without --collect to run them)`);
      console.log(`wrote ${path.relative(process.cwd(), c.dir)}/{runs.csv, summary.csv, summary.json${cmp ? ', comparison.md' : ''}}`);
      return;
    }
    if (o['plan']) {
      const p = planSweep(spec, { results });
      console.log(`${p.jobs.length} runs written to ${path.relative(process.cwd(), p.file)}`);
      console.log(`run index I (0 to ${p.jobs.length - 1}) anywhere with the same options and --run-index I, then gather them with --collect`);
      return;
    }
    if (o['queue'] !== undefined && o['run-index'] !== undefined)
      throw new GbmError('--queue and --run-index are two ways to spread a sweep.', 'pass one of them.');
    // The queue's client (BullMQ, ioredis) loads only for a queued sweep.
    const executor =
      o['queue'] !== undefined
        ? new (require('../sweep/queue.js') as typeof Queue).QueueExecutor(String(o['queue']))
        : new ProcessPoolExecutor(o['jobs'] ? Number(o['jobs']) : undefined);
    const r = await runSweep(spec, { results, executor, runIndex: o['run-index'] as number | undefined });
    if (o['run-index'] !== undefined) {
      const state = r.failed.length ? 'failed' : r.ran ? 'finished' : 'was already done';
      console.log(`run ${o['run-index']} of sweep ${spec.name} ${state}; gather the sweep's runs with --collect`);
      if (r.failed.length) throw new Error(`run ${o['run-index']} failed: ${r.failed[0].error}`);
      return;
    }
    printSummary(r.summary, gridColumns(checkGrids(spec.grid)));
    const cmp = writeComparison(r.dir, r.runs, checkGrids(spec.grid), spec.base);
    console.log(`${r.jobs} runs: ${r.ran} ran, ${r.skipped} already done, ${r.failed.length} failed; ${r.seconds.toFixed(0)} s`);
    console.log(`wrote ${path.relative(process.cwd(), r.dir)}/{runs.csv, summary.csv, summary.json${cmp ? ', comparison.md' : ''}}`);
    if (r.failed.length) throw new Error(`${r.failed.length} runs failed (see above); rerun the same command to retry them`);
  },
};
