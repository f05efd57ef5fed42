import path from 'node:path';
import { resolveConfig } from '../run/config.js';
import { resolveRun, withSeed, type ResolvedRun } from '../run/resolve.js';
import { configFromOptions, optionHelp, runOptions } from '../run/options.js';
import { parseSeeds, summarizeSeeds, writeSeedSummary, type SeedMetric } from '../run/seeds.js';
import { formatMeanStd } from '../tables/uncertainty.js';
import { writeRunResults } from '../run/results.js';
import { runFolder, runExperiment, runName, type RunResult, type StepResult } from '../run/runner.js';
import { PROJECT_ROOT } from '../util/project.js';
import { closeFigureRenderer, chromiumPath, warmFigureRenderer } from '../figures/render.js';
import { assertWritableDir, readJsonOrNull } from '../util/atomic.js';
import { configHash } from '../util/hash.js';
import { GbmError } from '../util/errors.js';
import type { Command, OptionSpec } from './args.js';
import { METHODS } from '../methods/registry.js';

type Opts = Record<string, string | number | boolean | undefined>;

/** Options of `gbm run`, from the run's option table (src/run/options.ts); unset ones keep the config file's value, then the defaults. */
export const RUN_OPTIONS: OptionSpec[] = runOptions().map((o) => ({
  name: o.name,
  type: o.type,
  help: optionHelp(o),
  ...(o.default !== undefined ? { default: o.default } : {}),
}));

const pct = (v: number) => (Number.isNaN(v) ? '   -  ' : (100 * v).toFixed(2).padStart(6));

function printRow(s: StepResult): void {
  const t = s.seconds;
  console.log(
    `${String(s.step).padStart(4)}  ${String(s.seenClasses).padStart(5)}  ${pct(s.accuracy)}  ${pct(s.oldAccuracy)}  ${pct(s.newAccuracy)}  ${(s.memoryBits / 8 / 1024).toFixed(0).padStart(8)}  ${String(s.extra.emIterations ?? '-').padStart(4)}  ${(t.binarize + t.memory + t.train + t.eval).toFixed(1).padStart(6)}`,
  );
}

/** One resolved run: a row per step on stdout, results on disk; returns the result. */
async function runOne(run: ResolvedRun, o: Opts): Promise<RunResult> {
  const config = run.config;
  const name = runName(config);
  const folder = runFolder(config);
  const root = path.resolve(PROJECT_ROOT, String(o['results'] ?? 'results'));
  // The results root is checked now; the run's own folder is made only when there is something to put in it, so a
  // run refused for its input leaves no empty folder behind.
  assertWritableDir(root, 'results');
  const dir = path.join(root, folder);
  // Never into a folder that holds another config's results (the hash makes it all but impossible; this makes it so).
  const old = readJsonOrNull<RunResult>(path.join(dir, 'results.json'));
  if (old?.config && configHash(old.config) !== configHash(config))
    throw new GbmError(`${dir} holds the results of another config.`, 'move that folder away, or pass another --results.');
  console.log(`run ${name} (results in ${path.relative(process.cwd(), dir) || '.'})`);
  console.log('step  seen   A_t(%)  old(%)  new(%)  mem(KiB)  EM it  time(s)');
  const r = await runExperiment(run, { onStep: printRow, memoryDir: path.join(dir, 'memory') });
  const { files, warnings } = await writeRunResults(dir, r, !o['no-figure']);
  for (const w of warnings) console.error(`gbm: warning: ${w}`);
  const s = r.summary;
  console.log(
    `average incremental accuracy ${pct(s.averageIncrementalAccuracy)} % (${pct(s.averageIncrementalAccuracyNoBase)} % without the base step), final ${pct(s.finalAccuracy)} %, average forgetting ${pct(s.averageForgetting)} points, backward transfer ${pct(s.backwardTransfer)} points`,
  );
  const what = run.method.usesBmm
    ? `K=${config.memory.em.K}, ${r.codeLength}-bit codes, mu at ${config.memory.muBits} bits`
    : `${config.method.name}${Object.keys(config.method.options).length ? ` ${JSON.stringify(config.method.options)}` : ''}, ${r.inputDim}-d ${r.codeLength ? 'codes' : 'features'}`;
  console.log(`memory ${Math.round(s.bitsPerClass)} bits per class (${(s.memoryBits / 8 / 1024).toFixed(0)} KiB in all, ${what}); ${s.seconds.toFixed(1)} s`);
  const fb = r.features.backboneBits;
  if (fb !== undefined)
    console.log(
      `backbone F ${(fb / 8 / 1024).toFixed(0)} KiB deployed (binary weights at 1 bit, real values at 32); memory + F = ${((s.memoryBits + fb) / 8 / 1024).toFixed(0)} KiB`,
    );
  for (const n of r.features.notes) console.log(`note: ${n}`);
  for (const w of r.warnings ?? []) console.error(`gbm: warning: ${w}`);
  console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  return r;
}

/** `gbm run` (and `gbm start` with no flags): one class-incremental run per seed, a table per step, results on disk. */
export async function runCommand(o: Opts): Promise<void> {
  if (o['seeds'] !== undefined && o['seed'] !== undefined)
    throw new GbmError('--seed and --seeds were both given.', 'use --seeds 1993,1994,1995 for several seeds, --seed N for one.');
  const config = resolveConfig(configFromOptions(o));
  const seeds = o['seeds'] !== undefined ? parseSeeds(String(o['seeds'])) : [config.seed];
  if (!o['no-figure']) chromiumPath(); // fail now, not after the run, when figures cannot be drawn
  // Names looked up and data located once, for every seed.
  const run = await resolveRun(config);
  const runs: RunResult[] = [];
  // The browser that draws the figures starts beside the computation, not after it.
  if (!o['no-figure']) warmFigureRenderer();
  try {
    for (const seed of seeds) {
      if (runs.length) console.log('');
      runs.push(await runOne(withSeed(run, seed), o));
    }
  } finally {
    await closeFigureRenderer();
  }
  if (seeds.length < 2) return;
  const s = summarizeSeeds(runs);
  const dir = path.resolve(
    PROJECT_ROOT,
    String(o['results'] ?? 'results'),
    `${s.name}-seeds${seeds.join('_')}-${configHash({ ...config, seed: 0 }).slice(0, 8)}`,
  );
  assertWritableDir(dir, 'results');
  const files = writeSeedSummary(dir, s);
  const pm = (m: SeedMetric) => formatMeanStd(s.metrics[m].mean, s.metrics[m].std, s.metrics[m].n, 2, 100);
  console.log(`\nover ${seeds.length} seeds (${seeds.join(', ')}), mean ± sample std:`);
  console.log(
    `average incremental accuracy ${pm('averageIncrementalAccuracy')} % (${pm('averageIncrementalAccuracyNoBase')} % without the base step), final ${pm('finalAccuracy')} %, forgetting ${pm('averageForgetting')} points, backward transfer ${pm('backwardTransfer')} points`,
  );
  console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

/** `gbm run`. */
export const runGbmCommand: Command = {
  name: 'run',
  summary: 'one class-incremental run of GBM or a baseline (--method): per-step table, results (JSON, CSV, memory, figure) under results/',
  description:
    "GBM: on the base task fit the binarizer, train G, fit a Bernoulli mixture per class; each task fit the new classes'\n" +
    'mixtures and retrain G on real new codes + pseudo-exemplars (Equation 4). Features come from the cache (see `gbm features`).\n' +
    `Methods (--method):\n${Object.values(METHODS)
      .map((m) => `  ${m.name.padEnd(14)} ${m.description}\n  ${''.padEnd(14)} ref: ${m.reference}`)
      .join('\n')}`,
  options: RUN_OPTIONS,
  run: runCommand,
};
