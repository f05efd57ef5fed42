import fs from 'node:fs';
import path from 'node:path';
import { BINARIZERS, binarizerSpec } from '../binarize/registry.js';
import type { RunConfig } from '../cil/config.js';
import { FEW_SHOT_DEFAULT_SHOTS, STREAM_DEFAULTS } from '../cil/scenario.js';
import { DATASETS } from '../data/registry.js';
import { EM_RESEEDS } from '../memory/em.js';
import { METHODS, methodSpec } from '../methods/registry.js';
import { BACKBONES } from '../models/registry.js';
import { GbmError } from '../util/errors.js';
import { getPath, setPath, type OptionDecl, type OptionValue } from '../util/options.js';
import { RUN_DEFAULTS, type RunConfigInput } from './config.js';

/**
 * One option of a run, declared once: its flag (also its CSV column and short grid key), where it lives in the
 * config (`path`, scikit-learn style nested name such as `memory.em.K`), its type, help and owner. The CLI's flags
 * and help, config building, sweep keys, which keys apply to a combination, and CSV columns all come from here.
 */
export interface RunOption {
  /** Flag name (`--K`, `--em-iters`), CSV column and short grid key. */
  name: string;
  /** Where the value goes in a RunConfig; absent for options about files and outputs (config, results, seeds). */
  path?: string;
  type: 'string' | 'int' | 'number' | 'boolean';
  /** What it means; the default is appended from RUN_DEFAULTS (or `defaultText`). */
  help: string;
  /** The default, said in words, when it is not the value at `path` in RUN_DEFAULTS (e.g. it depends on the dataset). */
  defaultText?: string;
  /** A parser default (only for options that are not config: a config file's value must win over it). */
  default?: OptionValue;
  /** Which part of the run reads it: features, scenario, binarizer:<kind>, memory, classifier, method, method:<name>, run. */
  owner: string;
  /** Whether it matters for a resolved config (absent = always). Grids drop keys that do not apply. */
  applies?: (c: RunConfig) => boolean;
  /** The config value of a flag value (absent = the value itself). */
  toConfig?: (v: OptionValue) => unknown;
  /** Options that name files or outputs, not the experiment, cannot be swept. */
  sweepable: boolean;
}

type Opts = Record<string, OptionValue | undefined>;

const readsCodes = (c: RunConfig) => methodSpec(c.method.name).input === 'codes';
const usesBmm = (c: RunConfig) => methodSpec(c.method.name).usesBmm;
const usesClassifier = (c: RunConfig) => methodSpec(c.method.name).usesClassifier;

/** A subset size flag: at least 1, or a one-line error naming it. */
function subsetCount(flag: string, what: string, fix: string) {
  return (v: OptionValue): number => {
    if (!(Number.isInteger(v) && (v as number) >= 1))
      throw new GbmError(`--${flag} ${String(v)} leaves nothing to ${what}.`, `pass --${flag} 1 or more (${fix}).`);
    return v as number;
  };
}

function core(o: Omit<RunOption, 'sweepable'> & { sweepable?: boolean }): RunOption {
  return { sweepable: o.path !== undefined, ...o };
}

/** Where the embeddings come from: the options `gbm features` shares with `gbm run`. */
export function sourceRunOptions(): RunOption[] {
  const classes = subsetCount('classes', 'run', '2 or more for a scenario');
  return [
    core({ name: 'dataset', path: 'features.dataset', type: 'string', owner: 'features', help: `dataset: ${Object.keys(DATASETS).join(', ')}` }),
    core({
      name: 'root',
      path: 'features.root',
      type: 'string',
      owner: 'features',
      sweepable: false,
      help: 'where the dataset is, if not in the data folders: an archive or extracted folder (cifar100, core50), or an imagefolder root (<root>/train/<class>/...)',
    }),
    core({
      name: 'backbone',
      path: 'features.backbone',
      type: 'string',
      owner: 'features',
      help: `frozen feature extractor: ${Object.keys(BACKBONES).join(', ')}`,
      defaultText: `${RUN_DEFAULTS.features.backbone} for TinyImageNet, the committed ResNet-20 trained on its base classes only with the STE phase; mobilenet for the others`,
    }),
    core({
      name: 'input-size',
      path: 'features.inputSize',
      type: 'int',
      owner: 'features',
      help: 'square input size of the backbone',
      defaultText:
        'the size a trained network was trained at; mobilenet: 64 for TinyImageNet and CORe50, 96 for CIFAR-100 and Fashion-MNIST (measured: README)',
    }),
    core({
      name: 'classes',
      path: 'features.subset.classes',
      type: 'int',
      owner: 'features',
      help: 'only the first N classes (quick runs)',
      defaultText: 'all',
      toConfig: (v) => Array.from({ length: classes(v) }, (_, i) => i),
    }),
    core({
      name: 'train-per-class',
      path: 'features.subset.trainPerClass',
      type: 'int',
      owner: 'features',
      help: 'only the first N training images of each class',
      defaultText: 'all',
      toConfig: subsetCount('train-per-class', 'train on', 'or leave it out for all images'),
    }),
    core({
      name: 'test-per-class',
      path: 'features.subset.testPerClass',
      type: 'int',
      owner: 'features',
      help: 'only the first N test images of each class',
      defaultText: 'all',
      toConfig: subsetCount('test-per-class', 'test on', 'or leave it out for all images'),
    }),
    core({
      name: 'skip-bad-images',
      path: 'features.skipBadImages',
      type: 'boolean',
      owner: 'features',
      sweepable: false,
      help: "leave out images that cannot be decoded (listed in the cache's meta.json) instead of stopping at them; without it, one pass lists every bad file and keeps the finished chunks",
      defaultText: '',
      toConfig: (v) => (v ? true : undefined),
    }),
  ];
}

/**
 * The options components declare beside themselves (a binarizer's, a method's), as flags of the same name under
 * `<kind path>.`; a name two components declare is one flag (its owners listed).
 */
function declaredOptions(
  kind: 'binarizer' | 'method',
  components: Array<{ name: string; options: Record<string, OptionDecl> }>,
  prefix: string,
  applies: (key: string) => (c: RunConfig) => boolean,
): RunOption[] {
  const out = new Map<string, RunOption & { owners: string[] }>();
  for (const comp of components) {
    for (const [k, d] of Object.entries(comp.options)) {
      const prev = out.get(k);
      if (prev) {
        prev.owners.push(comp.name);
        continue;
      }
      const type = typeof d.default === 'number' ? (kind === 'method' || !d.integer ? 'number' : 'int') : 'string';
      out.set(k, {
        name: k,
        path: `${prefix}.${k}`,
        type,
        owner: '',
        owners: [comp.name],
        help: d.help,
        defaultText: String(d.default),
        sweepable: true,
        applies: applies(k),
      });
    }
  }
  return [...out.values()].map(({ owners, ...o }) => ({
    ...o,
    owner: owners.map((n) => `${kind}:${n}`).join('|'),
    // A method's option says which methods read it.
    ...(kind === 'method' ? { help: `${o.help} (default: ${o.defaultText}) [${owners.join(', ')}]`, defaultText: '' } : {}),
  }));
}

/** Every binarizer's declared options (binarizer.<name>), applying where that binarizer is chosen. */
function binarizerOptions(): RunOption[] {
  const specs = Object.values(BINARIZERS).map((b) => ({ name: b.kind, options: b.options }));
  return declaredOptions('binarizer', specs, 'binarizer', (k) => (c) => readsCodes(c) && k in binarizerSpec(c.binarizer.kind).options);
}

/** Every method's own options (method.options.<name>), applying where that method runs. */
function methodOptions(): RunOption[] {
  return declaredOptions('method', Object.values(METHODS), 'method.options', (k) => (c) => k in methodSpec(c.method.name).options);
}

/**
 * Every option of `gbm run`, in help order, built from the registries (methods and binarizers declare their own),
 * so a binarizer or method registered later (a test, a plug-in) gets its flags too.
 */
export function runOptions(): RunOption[] {
  return [
    core({ name: 'config', type: 'string', owner: 'run', help: 'JSON file with a (partial) RunConfig, or a results.json to redo; flags below override it' }),
    ...sourceRunOptions(),
    core({
      name: 'features',
      path: 'features.path',
      type: 'string',
      owner: 'features',
      sweepable: false,
      help: 'folder of .npy features computed elsewhere, instead of --dataset/--backbone (layouts: README, "Bring your own features")',
      defaultText: '',
      toConfig: (v) => path.resolve(String(v)),
    }),
    core({
      name: 'base-classes',
      path: 'scenario.baseClasses',
      type: 'int',
      owner: 'scenario',
      help: 'classes of the base task',
      defaultText: "the dataset's protocol: TinyImageNet 100, CIFAR-100 50, CORe50 10",
    }),
    core({
      name: 'tasks',
      path: 'scenario.tasks',
      type: 'int',
      owner: 'scenario',
      help: 'incremental tasks after the base task',
      defaultText: `${RUN_DEFAULTS.scenario.tasks}; CORe50 8`,
    }),
    core({ name: 'order-seed', path: 'scenario.orderSeed', type: 'int', owner: 'scenario', help: 'class-order seed, numpy permutation' }),
    core({
      name: 'scenario',
      path: 'scenario.kind',
      type: 'string',
      owner: 'scenario',
      help: 'class-incremental (every task with all its images) | few-shot (the base task in full, then every task N-way --shots-shot) | online (the base task in full, then every task as a stream of --stream-batch images, each seen once)',
      defaultText: 'class-incremental',
    }),
    core({
      name: 'shots',
      path: 'scenario.shots',
      type: 'int',
      owner: 'scenario',
      help: 'few-shot: training images per new class after the base task, the same for every method and seed',
      defaultText: String(FEW_SHOT_DEFAULT_SHOTS),
      applies: (c) => c.scenario.kind === 'few-shot',
    }),
    core({
      name: 'stream-batch',
      path: 'scenario.stream.batch',
      type: 'int',
      owner: 'scenario',
      help: 'online: images per mini-batch of the stream, the same stream for every method and seed',
      defaultText: String(STREAM_DEFAULTS.batch),
      applies: (c) => c.scenario.kind === 'online',
    }),
    core({
      name: 'stream-steps',
      path: 'scenario.stream.steps',
      type: 'int',
      owner: 'scenario',
      help: "online: gradient steps of the classifier on each mini-batch (online CL's iterations per batch)",
      defaultText: String(STREAM_DEFAULTS.steps),
      applies: (c) => c.scenario.kind === 'online' && methodSpec(c.method.name).usesClassifier,
    }),
    core({
      name: 'stream-em',
      path: 'scenario.stream.em',
      type: 'string',
      owner: 'scenario',
      help: "online: how GBM's memory learns from the stream: float (stepwise EM) | integer (hard assignments, counters only)",
      defaultText: STREAM_DEFAULTS.em,
      applies: (c) => c.scenario.kind === 'online' && usesBmm(c),
    }),
    core({
      name: 'stream-alpha',
      path: 'scenario.stream.alpha',
      type: 'number',
      owner: 'scenario',
      help: 'online, float: step size (t + 2)^-alpha of stepwise EM after t batches, alpha in (0.5, 1]',
      defaultText: String(STREAM_DEFAULTS.alpha),
      applies: (c) => c.scenario.kind === 'online' && usesBmm(c) && c.scenario.stream?.em !== 'integer',
    }),
    core({
      name: 'allow-backbone-overlap',
      path: 'scenario.allowBackboneOverlap',
      type: 'boolean',
      owner: 'scenario',
      sweepable: false,
      help: 'run even when a trained backbone saw some incremental classes (refused by default; results.json records them)',
      defaultText: '',
    }),
    core({
      name: 'binarizer',
      path: 'binarizer.kind',
      type: 'string',
      owner: 'binarizer',
      help: `${Object.keys(BINARIZERS).join(' | ')} (none: features already 0/1 bits)`,
      applies: readsCodes,
    }),
    ...binarizerOptions(),
    core({ name: 'K', path: 'memory.em.K', type: 'int', owner: 'memory', help: 'BMM components per class', applies: usesBmm }),
    core({ name: 'mu-bits', path: 'memory.muBits', type: 'int', owner: 'memory', help: 'stored precision of mu: 32, 8, 6, 4, 3, 2, 1', applies: usesBmm }),
    core({ name: 'em-iters', path: 'memory.em.maxIter', type: 'int', owner: 'memory', help: 'EM iterations at most', applies: usesBmm }),
    core({
      name: 'em-tol',
      path: 'memory.em.tol',
      type: 'number',
      owner: 'memory',
      help: "EM stops when every class's mean log-likelihood changes by less than this fraction of itself (0 = always em-iters)",
      applies: usesBmm,
    }),
    core({
      name: 'em-reseed',
      path: 'memory.em.reseed',
      type: 'string',
      owner: 'memory',
      help: `a collapsed BMM component: ${EM_RESEEDS.join(' | ')} (README, "EM")`,
      applies: usesBmm,
    }),
    core({ name: 'epochs', path: 'classifier.epochs', type: 'int', owner: 'classifier', help: 'classifier epochs per task', applies: usesClassifier }),
    core({ name: 'batch-size', path: 'classifier.batchSize', type: 'int', owner: 'classifier', help: 'classifier mini-batch size', applies: usesClassifier }),
    core({ name: 'lr', path: 'classifier.learningRate', type: 'number', owner: 'classifier', help: 'classifier learning rate', applies: usesClassifier }),
    core({ name: 'optimizer', path: 'classifier.optimizer', type: 'string', owner: 'classifier', help: 'adam | sgd', applies: usesClassifier }),
    core({
      name: 'per-task',
      path: 'classifier.perTask',
      type: 'string',
      owner: 'classifier',
      help: 'continue | reinit the classifier each task',
      applies: usesClassifier,
    }),
    core({ name: 'method', path: 'method.name', type: 'string', owner: 'method', help: `method: ${Object.keys(METHODS).join(' | ')}` }),
    ...methodOptions(),
    core({ name: 'seed', path: 'seed', type: 'int', owner: 'run', help: 'seed of everything random in the run: classifier init, sampling, EM init' }),
    core({
      name: 'seeds',
      type: 'string',
      owner: 'run',
      help: "several seeds, e.g. 1993,1994,1995: one run each (the class order stays --order-seed's), then mean ± sample std in <results>/<name>-seeds<...>/seeds.{json,csv}",
    }),
    core({
      name: 'results',
      type: 'string',
      owner: 'run',
      default: 'results',
      help: 'results folder; the run writes <results>/<run name>-<hash of its config>/',
    }),
    core({ name: 'no-figure', type: 'boolean', owner: 'run', help: 'skip the accuracy figure (no Chromium needed)' }),
  ];
}

/** The help line of an option: its meaning and its default, taken from RUN_DEFAULTS where it is a constant. */
export function optionHelp(o: RunOption): string {
  if (o.default !== undefined || o.defaultText === '') return o.help;
  const d = o.defaultText ?? (o.path ? getPath(RUN_DEFAULTS, o.path) : undefined);
  return d === undefined ? o.help : `${o.help} (default: ${String(d)})`;
}

/** The option a key names: its flag name (`K`) or its config path (`memory.em.K`); undefined when neither. */
export function findOption(key: string, options: RunOption[] = runOptions()): RunOption | undefined {
  return options.find((o) => o.name === key) ?? options.find((o) => o.path === key);
}

/**
 * A config file, in any of the kit's formats: a (partial) RunConfig (nested sections), options by config path or
 * flag (`{"memory.em.K": 4, "binarizer.levels": 2}`, the vocabulary of configs/*.json), a study file of configs/
 * (its "run"), or a run's results.json (its "config", so any run can be redone).
 */
function readConfigFile(file: string): RunConfigInput {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new GbmError(
      `cannot read config ${file}: ${(e as Error).message}.`,
      'pass a JSON file shaped like the "config" of a results.json, or options by config path.',
    );
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new GbmError(`config ${file} is not a JSON object.`, 'write {"memory.em.K": 4} or a RunConfig.');
  if (json.format === 'gbm-run/1' && json.config) return json.config as RunConfigInput;
  if (json.format === 'gbm-study/1') {
    if (!json.run)
      throw new GbmError(
        `study ${file} defines sweeps, not one run.`,
        `run it with gbm sweep --study NAME or npm run reproduce -- ${path.basename(file, '.json')}.`,
      );
    return optionsToConfig(json.run as Opts, `${file} "run"`);
  }
  // Options by path or flag have no nested sections; a RunConfig's sections are objects.
  const options = runOptions();
  const flat = Object.entries(json).every(([k, v]) => (v === null || typeof v !== 'object') && findOption(k, options) !== undefined);
  return flat ? optionsToConfig(json as Opts, file) : (json as RunConfigInput);
}

/** A config input from a map of options read from a file (no nested config files). */
function optionsToConfig(o: Opts, where: string): RunConfigInput {
  if (o['config'] !== undefined) throw new GbmError(`${where} names another config file.`, 'give the options themselves.');
  return configFromOptions(o);
}

/**
 * A config input from option values keyed by flag name or config path (flags of `gbm run`, a sweep's base and grid
 * point, a notebook's overrides), over a config file when `config` names one: the values win over the file.
 */
export function configFromOptions(given: Opts): RunConfigInput {
  const options = runOptions();
  const o: Opts = {};
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const opt = findOption(k, options);
    if (!opt)
      throw new GbmError(
        `unknown run option "${k}".`,
        `use a flag of gbm run or a config path: ${options
          .filter((x) => x.path)
          .map((x) => `${x.name} (${x.path})`)
          .join(', ')}.`,
      );
    o[opt.name] = v;
  }
  const c = (o['config'] ? readConfigFile(String(o['config'])) : {}) as Record<string, unknown>;
  // A method given here drops the file's method options (they may not exist for it); its own flags follow.
  if (o['method'] !== undefined) c.method = { name: o['method'], options: {} };
  for (const opt of options) {
    const v = o[opt.name];
    if (v === undefined || !opt.path || opt.name === 'method') continue;
    setPath(c, opt.path, opt.toConfig ? opt.toConfig(v) : v);
  }
  return c as RunConfigInput;
}

/** Whether an option matters for a config (e.g. levels only for the thermometer, K only for GBM). */
export function optionApplies(key: string, c: RunConfig): boolean {
  const opt = findOption(key);
  if (opt?.path && methodSpec(c.method.name).pins?.[opt.path] !== undefined) return false;
  return !opt?.applies || opt.applies(c);
}

/** Names of every method's own options (a grid drops those a combination's method does not have). */
export function methodOptionNames(): Set<string> {
  return new Set(Object.values(METHODS).flatMap((m) => Object.keys(m.options)));
}
