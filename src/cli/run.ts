import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig, type RunConfigInput } from '../run/config.js';
import type { RunConfig } from '../cil/config.js';
import { parseSeeds, summarizeSeeds, writeSeedSummary, type SeedMetric } from '../run/seeds.js';
import { formatMeanStd } from '../tables/uncertainty.js';
import { writeRunResults } from '../run/results.js';
import { runFolder, runExperiment, runName, type RunResult, type StepResult } from '../run/runner.js';
import { PROJECT_ROOT } from '../util/project.js';
import { closeFigureRenderer, chromiumPath } from '../figures/render.js';
import { assertWritableDir, readJsonOrNull } from '../util/atomic.js';
import { configHash } from '../util/hash.js';
import { GbmError } from '../util/errors.js';
import type { Command, OptionSpec } from './args.js';
import { SOURCE_OPTIONS, subsetFromOptions } from './features.js';
import { METHODS, methodSpec } from '../methods/registry.js';
import { EM_DEFAULTS, EM_RESEEDS } from '../memory/em.js';

type Opts = Record<string, string | number | boolean | undefined>;

/** Options of `gbm run`; unset ones keep the config file's value, then the defaults (RUN_DEFAULTS). */
export const RUN_OPTIONS: OptionSpec[] = [
  { name: 'config', type: 'string', help: 'JSON file with a (partial) RunConfig; flags below override it' },
  ...SOURCE_OPTIONS,
  { name: 'features', type: 'string', help: 'folder of .npy features computed elsewhere, instead of --dataset/--backbone (layouts: README, "Bring your own features")' },
  { name: 'base-classes', type: 'int', help: "classes of the base task (default: the dataset's protocol: TinyImageNet 100, CIFAR-100 50, CORe50 10)" },
  { name: 'tasks', type: 'int', help: "incremental tasks after the base task (default: 5; CORe50 8)" },
  { name: 'order-seed', type: 'int', help: 'class-order seed, numpy permutation (default: 1993)' },
  { name: 'allow-backbone-overlap', type: 'boolean', help: 'run even when a trained backbone saw some incremental classes (refused by default; results.json records them)' },
  { name: 'binarizer', type: 'string', help: 'thermometer | heaviside | none (features already 0/1 bits) (default: thermometer)' },
  { name: 'levels', type: 'int', help: 'thermometer levels p per feature (default: 1)' },
  { name: 'percentile', type: 'number', help: 'thermometer range c = this percentile of base features (default: 75)' },
  { name: 'scope', type: 'string', help: 'thermometer range per-dim | global (default: per-dim)' },
  { name: 'bits', type: 'int', help: 'Heaviside code length (default: 256)' },
  { name: 'K', type: 'int', help: 'BMM components per class (default: 8)' },
  { name: 'mu-bits', type: 'int', help: 'stored precision of mu: 32, 8, 6, 4, 3, 2, 1 (default: 32)' },
  { name: 'em-iters', type: 'int', help: `EM iterations at most (default: ${EM_DEFAULTS.maxIter})` },
  { name: 'em-tol', type: 'number', help: `EM stops when every class's mean log-likelihood changes by less than this fraction of itself (default: ${EM_DEFAULTS.tol}; 0 = always em-iters)` },
  { name: 'em-reseed', type: 'string', help: `a collapsed BMM component: ${EM_RESEEDS.join(' | ')} (default: ${EM_DEFAULTS.reseed}; README, "EM")` },
  { name: 'epochs', type: 'int', help: 'classifier epochs per task (default: 8)' },
  { name: 'batch-size', type: 'int', help: 'classifier mini-batch size (default: 256)' },
  { name: 'lr', type: 'number', help: 'classifier learning rate (default: 0.001)' },
  { name: 'optimizer', type: 'string', help: 'adam | sgd (default: adam)' },
  { name: 'per-task', type: 'string', help: 'continue | reinit the classifier each task (default: continue)' },
  { name: 'method', type: 'string', help: `method: ${Object.keys(METHODS).join(' | ')} (default: gbm)` },
  ...methodOptionSpecs(),
  { name: 'seed', type: 'int', help: 'seed of everything random in the run: classifier init, sampling, EM init (default: 1993)' },
  { name: 'seeds', type: 'string', help: 'several seeds, e.g. 1993,1994,1995: one run each (the class order stays --order-seed\'s), then mean ± sample std in <results>/<name>-seeds<...>/seeds.{json,csv}' },
  { name: 'results', type: 'string', default: 'results', help: 'results folder; the run writes <results>/<run name>-<hash of its config>/' },
  { name: 'no-figure', type: 'boolean', help: 'skip the accuracy figure (no Chromium needed)' },
];

/** Flags of every method's own options (the same name in two methods is one flag). */
function methodOptionSpecs(): OptionSpec[] {
  const seen = new Map<string, OptionSpec>();
  for (const m of Object.values(METHODS)) {
    for (const [k, o] of Object.entries(m.options)) {
      const prev = seen.get(k);
      if (prev) prev.help = prev.help.replace(/\[(.*)\]$/, `[$1, ${m.name}]`);
      else seen.set(k, { name: k, type: typeof o.default === 'number' ? 'number' : 'string', help: `${o.help} (default: ${o.default}) [${m.name}]` });
    }
  }
  return [...seen.values()];
}

/** A config file: a (partial) RunConfig, or a run's results.json (its "config" is taken, so any run can be redone). */
function readConfigFile(file: string): RunConfigInput {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as RunConfigInput & { format?: string; config?: RunConfigInput };
    return json.format === 'gbm-run/1' && json.config ? json.config : json;
  } catch (e) {
    throw new GbmError(`cannot read config ${file}: ${(e as Error).message}.`, 'pass a JSON file shaped like the "config" of a results.json.');
  }
}

/** Merge a config file and flags into one config input (flags win). */
export function configFromOptions(o: Opts): RunConfigInput {
  const c: RunConfigInput = o['config'] ? readConfigFile(String(o['config'])) : {};
  const set = <T>(v: unknown, f: (x: T) => void) => { if (v !== undefined) f(v as T); };
  c.features = { ...c.features };
  set<string>(o['dataset'], (v) => { c.features!.dataset = v; });
  set<string>(o['features'], (v) => { c.features!.path = path.resolve(v); });
  set<string>(o['root'], (v) => { c.features!.root = v; });
  set<string>(o['backbone'], (v) => { c.features!.backbone = v; });
  set<number>(o['input-size'], (v) => { c.features!.inputSize = v; });
  const subset = subsetFromOptions(o, c.features.subset);
  if (subset) c.features.subset = subset;
  c.scenario = { ...c.scenario };
  set<number>(o['base-classes'], (v) => { c.scenario!.baseClasses = v; });
  set<number>(o['tasks'], (v) => { c.scenario!.tasks = v; });
  set<number>(o['order-seed'], (v) => { c.scenario!.orderSeed = v; });
  set<boolean>(o['allow-backbone-overlap'], (v) => { c.scenario!.allowBackboneOverlap = v; });
  const b: Record<string, unknown> = { ...c.binarizer };
  set<string>(o['binarizer'], (v) => { b.kind = v; });
  set<number>(o['levels'], (v) => { b.levels = v; });
  set<number>(o['percentile'], (v) => { b.percentile = v; });
  set<string>(o['scope'], (v) => { b.scope = v; });
  set<number>(o['bits'], (v) => { b.bits = v; });
  c.binarizer = b as RunConfigInput['binarizer'];
  c.memory = { ...c.memory, em: { ...c.memory?.em } };
  set<number>(o['K'], (v) => { c.memory!.em!.K = v; });
  set<number>(o['em-iters'], (v) => { c.memory!.em!.maxIter = v; });
  set<number>(o['em-tol'], (v) => { c.memory!.em!.tol = v; });
  set<string>(o['em-reseed'], (v) => { c.memory!.em!.reseed = v as never; });
  set<number>(o['mu-bits'], (v) => { c.memory!.muBits = v as never; });
  c.classifier = { ...c.classifier };
  set<number>(o['epochs'], (v) => { c.classifier!.epochs = v; });
  set<number>(o['batch-size'], (v) => { c.classifier!.batchSize = v; });
  set<number>(o['lr'], (v) => { c.classifier!.learningRate = v; });
  set<string>(o['optimizer'], (v) => { c.classifier!.optimizer = v as never; });
  set<string>(o['per-task'], (v) => { c.classifier!.perTask = v as never; });
  const methodName = o['method'] as string | undefined;
  if (methodName !== undefined) c.method = { name: methodName, options: {} };
  const mOpts: Record<string, unknown> = { ...c.method?.options };
  for (const spec of methodOptionSpecs()) set<unknown>(o[spec.name], (v) => { mOpts[spec.name] = v; });
  if (Object.keys(mOpts).length || c.method) c.method = { ...c.method, options: mOpts };
  set<number>(o['seed'], (v) => { c.seed = v; });
  return c;
}

const pct = (v: number) => (Number.isNaN(v) ? '   -  ' : (100 * v).toFixed(2).padStart(6));

function printRow(s: StepResult): void {
  const t = s.seconds;
  console.log(`${String(s.step).padStart(4)}  ${String(s.seenClasses).padStart(5)}  ${pct(s.accuracy)}  ${pct(s.oldAccuracy)}  ${pct(s.newAccuracy)}  ${(s.memoryBits / 8 / 1024).toFixed(0).padStart(8)}  ${String(s.emIterations).padStart(4)}  ${(t.binarize + t.memory + t.train + t.eval).toFixed(1).padStart(6)}`);
}

/** One run of a resolved config: a row per step on stdout, results on disk; returns the result. */
async function runOne(config: RunConfig, o: Opts): Promise<RunResult> {
  const name = runName(config);
  const folder = runFolder(config);
  const root = path.resolve(PROJECT_ROOT, String(o['results'] ?? 'results'));
  // The results root is checked now; the run's own folder is made only when there is something to put in it, so a
  // run refused for its input leaves no empty folder behind.
  assertWritableDir(root, 'results');
  const dir = path.join(root, folder);
  // Never into a folder that holds another config's results (the hash makes it all but impossible; this makes it so).
  const old = readJsonOrNull<RunResult>(path.join(dir, 'results.json'));
  if (old?.config && configHash(old.config) !== configHash(config)) throw new GbmError(`${dir} holds the results of another config.`, 'move that folder away, or pass another --results.');
  console.log(`run ${name} (results in ${path.relative(process.cwd(), dir) || '.'})`);
  console.log('step  seen   A_t(%)  old(%)  new(%)  mem(KiB)  EM it  time(s)');
  const r = await runExperiment(config, { onStep: printRow, memoryDir: path.join(dir, 'memory') });
  const { files, warnings } = await writeRunResults(dir, r, !o['no-figure']);
  for (const w of warnings) console.error(`gbm: warning: ${w}`);
  const s = r.summary;
  console.log(`average incremental accuracy ${pct(s.averageIncrementalAccuracy)} % (${pct(s.averageIncrementalAccuracyNoBase)} % without the base step), final ${pct(s.finalAccuracy)} %, average forgetting ${pct(s.averageForgetting)} points, backward transfer ${pct(s.backwardTransfer)} points`);
  const what = methodSpec(config.method.name).usesBmm
    ? `K=${config.memory.em.K}, ${r.codeLength}-bit codes, mu at ${config.memory.muBits} bits`
    : `${config.method.name}${Object.keys(config.method.options).length ? ` ${JSON.stringify(config.method.options)}` : ''}, ${r.inputDim}-d ${r.codeLength ? 'codes' : 'features'}`;
  console.log(`memory ${Math.round(s.bitsPerClass)} bits per class (${(s.memoryBits / 8 / 1024).toFixed(0)} KiB in all, ${what}); ${s.seconds.toFixed(1)} s`);
  const fb = r.features.backboneBits;
  if (fb !== undefined) console.log(`backbone F ${(fb / 8 / 1024).toFixed(0)} KiB deployed (binary weights at 1 bit, real values at 32); memory + F = ${((s.memoryBits + fb) / 8 / 1024).toFixed(0)} KiB`);
  for (const n of r.features.notes) console.log(`note: ${n}`);
  for (const w of r.warnings ?? []) console.error(`gbm: warning: ${w}`);
  console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  return r;
}

/** `gbm run` (and `gbm start` with no flags): one class-incremental run per seed, a table per step, results on disk. */
export async function runCommand(o: Opts): Promise<void> {
  const config = resolveConfig(configFromOptions(o));
  if (o['seeds'] !== undefined && o['seed'] !== undefined) throw new GbmError('--seed and --seeds were both given.', 'use --seeds 1993,1994,1995 for several seeds, --seed N for one.');
  const seeds = o['seeds'] !== undefined ? parseSeeds(String(o['seeds'])) : [config.seed];
  if (!o['no-figure']) chromiumPath(); // fail now, not after the run, when figures cannot be drawn
  const runs: RunResult[] = [];
  try {
    for (const seed of seeds) {
      if (runs.length) console.log('');
      runs.push(await runOne({ ...config, seed }, o));
    }
  } finally {
    await closeFigureRenderer();
  }
  if (seeds.length < 2) return;
  const s = summarizeSeeds(runs);
  const dir = path.resolve(PROJECT_ROOT, String(o['results'] ?? 'results'), `${s.name}-seeds${seeds.join('_')}-${configHash({ ...config, seed: 0 }).slice(0, 8)}`);
  assertWritableDir(dir, 'results');
  const files = writeSeedSummary(dir, s);
  const pm = (m: SeedMetric) => formatMeanStd(s.metrics[m].mean, s.metrics[m].std, s.metrics[m].n, 2, 100);
  console.log(`\nover ${seeds.length} seeds (${seeds.join(', ')}), mean ± sample std:`);
  console.log(`average incremental accuracy ${pm('averageIncrementalAccuracy')} % (${pm('averageIncrementalAccuracyNoBase')} % without the base step), final ${pm('finalAccuracy')} %, forgetting ${pm('averageForgetting')} points, backward transfer ${pm('backwardTransfer')} points`);
  console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

/** `gbm run`. */
export const runGbmCommand: Command = {
  name: 'run',
  summary: 'one class-incremental run of GBM or a baseline (--method): per-step table, results (JSON, CSV, memory, figure) under results/',
  description: 'GBM: on the base task fit the binarizer, train G, fit a Bernoulli mixture per class; each task fit the new classes\'\n' +
    'mixtures and retrain G on real new codes + pseudo-exemplars (Equation 4). Features come from the cache (see `gbm features`).\n' +
    `Methods (--method):\n${Object.values(METHODS).map((m) => `  ${m.name.padEnd(14)} ${m.description}\n  ${''.padEnd(14)} ref: ${m.reference}`).join('\n')}`,
  options: RUN_OPTIONS,
  run: runCommand,
};
