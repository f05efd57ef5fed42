import path from 'node:path';
import { environment, type Environment } from '../backend/environment.js';
import { initBackend } from '../backend/index.js';
import { tf } from '../backend/tf.js';
import { binarizerSpec, type Binarizer } from '../binarize/index.js';
import { cacheDir } from '../data/locate.js';
import { reopenDataset } from '../data/registry.js';
import type { FeatureSet, SplitFeatures } from '../features/cache.js';
import { loadExternalFeatures } from '../features/external.js';
import { extractFeatures } from '../features/extract.js';
import { gatherRows, selectClasses } from '../features/select.js';
import { methodSpec } from '../methods/registry.js';
import { MOBILENET_MIN_INPUT, mobilenetInputWarning } from '../models/mobilenet.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';
import { Progress } from '../util/progress.js';
import type { RunConfigInput } from './config.js';
import { isResolvedRun, resolveRun, type ResolvedRun } from './resolve.js';
import type { RunConfig } from '../cil/config.js';
import { accuracyOn, matrixMetrics, type AccuracyMatrix } from '../cil/metrics.js';
import type { CilMethod, StepStats } from '../cil/method.js';
import { scenarioOver } from '../cil/base-task.js';
import { buildScenario, fewShotRows, streamBatches, type Scenario } from '../cil/scenario.js';
import { EM_DEFAULTS } from '../memory/em.js';
import { checkBackboneOverlap } from './overlap.js';
import { configHash } from '../util/hash.js';

/** What one step (0 = base task) measured. */
export interface StepResult {
  step: number;
  /** Classes seen after this step. */
  seenClasses: number;
  newClasses: number;
  /** Training images the step learned from (absent in results written before it was recorded). */
  trainImages?: number;
  /** A_t: top-1 accuracy on the test images of all classes seen so far. */
  accuracy: number;
  /** Accuracy on classes of earlier steps (NaN at the base step). */
  oldAccuracy: number;
  /** Accuracy on this step's classes. */
  newAccuracy: number;
  /** Accuracy on each step's class group so far (for forgetting). */
  groupAccuracy: number[];
  /** The method's memory after this step, in bits (GBM: its BMMs; baselines: what they keep). */
  memoryBits: number;
  /**
   * What else the method measured (StepStats.extra); GBM: emIterations, emLogLikelihood (mean over this step's
   * classes of the final log-likelihood per code), emReseeds. Read it with stepExtra (older files kept these at the top).
   */
  extra: Record<string, number>;
  /** Mean training loss of the classifier's last epoch (NaN for methods without G). */
  trainLoss: number;
  /** Seconds per stage; `memory` is EM for GBM, exemplar selection or class statistics for baselines. */
  seconds: { binarize: number; memory: number; train: number; eval: number };
}

/** A whole run: its config and environment (enough to redo it), every step, and the summary metrics. */
export interface RunResult {
  format: 'gbm-run/1';
  name: string;
  config: RunConfig;
  environment: Environment;
  /**
   * backboneBits: the feature extractor's own deployed size (trained networks; a BNN's binary weights at 1 bit), if known.
   * backboneOverlap: incremental class ids the trained backbone saw (only with --allow-backbone-overlap; empty when clean).
   */
  features: { dir: string; featureDim: number; notes: string[]; backboneBits?: number; backboneOverlap?: number[] };
  /** Code length D' of the binarizer (0 when the method reads real features). */
  codeLength: number;
  /** Size of one input row of the method (D' or F). */
  inputDim: number;
  classOrder: number[];
  /** What the run found suspicious in its input, each with the fix (also printed by gbm run). */
  warnings?: string[];
  steps: StepResult[];
  /** acc[t][g]: accuracy on step g's classes after step t (the same numbers as steps[t].groupAccuracy). */
  accuracyMatrix: AccuracyMatrix;
  /** Test images of each step's classes (the weights that turn a matrix row into A_t). */
  testImagesPerStep: number[];
  summary: {
    /** Mean of A_t over t = 0..T, base step included (PyCIL's convention). */
    averageIncrementalAccuracy: number;
    /** Mean of A_t over t = 1..T, base step excluded. */
    averageIncrementalAccuracyNoBase: number;
    finalAccuracy: number;
    averageForgetting: number;
    /** Backward transfer (Lopez-Paz & Ranzato 2017): mean of acc[T][g] - acc[g][g] over g < T. */
    backwardTransfer: number;
    memoryBits: number;
    bitsPerClass: number;
    seconds: number;
  };
}

/** A step's extra statistics, also from results files written before they were open (EM fields at the top level). */
export function stepExtra(s: StepResult): Record<string, number> {
  if (s.extra) return s.extra;
  const old = s as unknown as Record<string, number>;
  return old.emIterations ? { emIterations: old.emIterations, emLogLikelihood: old.emLogLikelihood, emReseeds: old.emReseeds } : {};
}

/**
 * The folder a run's results go to: its readable name and the hash of its full resolved config, so two runs that
 * differ in any option that changes results (epochs, learning rate, the image folder, a subset, ...) never share one.
 */
export function runFolder(c: RunConfig): string {
  return `${runName(c)}-${configHash(c).slice(0, 8)}`;
}

/** A short, readable name for a config (its key options; the full config, and its hash in the folder name, say the rest). */
export function runName(c: RunConfig): string {
  const spec = methodSpec(c.method.name);
  const bz = c.binarizer;
  const b = spec.input === 'features' ? 'feat' : binarizerSpec(bz.kind).tag(bz);
  const sub = c.features.subset ? '-subset' : '';
  // A trained network given by its folder is named by the folder (a path would nest the results folder).
  const bb = /[/\\]/.test(c.features.backbone) ? path.basename(path.resolve(c.features.backbone)) : c.features.backbone;
  const src = c.features.path ? `npy-${path.basename(path.resolve(c.features.path))}` : `${c.features.dataset}${sub}-${bb}`;
  const sc = c.scenario;
  const shotTag =
    sc.kind === 'few-shot' ? `-${sc.shots}shot` : sc.kind === 'online' ? `-online${sc.stream!.batch}${sc.stream!.em === 'integer' ? 'int' : ''}` : '';
  const head = `${src}-B${c.scenario.baseClasses}-T${c.scenario.tasks}${shotTag}-${b}`;
  // EM settings away from the defaults name themselves, so such a run never shares a folder with a default one.
  const em = c.memory.em;
  const emTag = [
    em.maxIter !== EM_DEFAULTS.maxIter ? `it${em.maxIter}` : '',
    em.tol !== EM_DEFAULTS.tol ? `tol${em.tol}` : '',
    em.reseed !== EM_DEFAULTS.reseed ? `rs-${em.reseed}` : '',
  ]
    .filter(Boolean)
    .map((t) => `-${t}`)
    .join('');
  if (c.method.name === 'gbm') return `${head}-K${em.K}-mu${c.memory.muBits}${emTag}-pseudo-s${c.seed}`;
  const opts = Object.values(c.method.options).map(String);
  const mu = spec.usesBmm ? [`mu${c.memory.muBits}${emTag}`] : [];
  return [head, c.method.name, ...mu, ...opts, `s${c.seed}`].join('-');
}

/**
 * A warning when most code bits are the same for every base image: the binarizer keeps (almost) nothing of the
 * features (e.g. all-negative features under a thermometer whose range starts at 0), so accuracy will be near chance.
 */
export function constantCodeWarning(codes: Float32Array, n: number, dim: number, c: RunConfig): string | null {
  let constant = 0;
  for (let d = 0; d < dim; d++) {
    const first = codes[d];
    let same = true;
    for (let i = 1; i < n && same; i++) same = codes[i * dim + d] === first;
    if (same) constant++;
  }
  if (constant < dim / 2) return null;
  const thermo = c.binarizer.kind === 'thermometer';
  return `${constant} of the ${dim} code bits are the same for every base image: the ${c.binarizer.kind} binarizer keeps almost nothing of these features, so accuracy will be near chance. Fix: ${thermo ? 'the thermometer reads non-negative features (post-ReLU) in [0, c]; check the features (all negative?), or use --binarizer heaviside' : 'check the features, or use --binarizer thermometer'}.`;
}

/** How many of the `dim` feature dimensions are zero in all `n` rows of x ("dead": they carry nothing). */
export function deadDimensions(x: Float32Array, n: number, dim: number): number {
  let dead = 0;
  for (let d = 0; d < dim; d++) {
    let alive = false;
    for (let i = 0; i < n && !alive; i++) alive = x[i * dim + d] !== 0;
    if (!alive) dead++;
  }
  return dead;
}

/**
 * A warning when most feature dimensions are zero on every base-task training image: the backbone passes almost
 * nothing on (MobileNet below its working input size; a network cut at the wrong layer), whatever the method.
 */
export function deadFeatureWarning(x: Float32Array, n: number, dim: number): string | null {
  const dead = deadDimensions(x, n, dim);
  if (dead <= dim / 2) return null;
  return `${dead} of the ${dim} feature dimensions are zero on every base-task training image: the backbone passes almost nothing on, so every method will be weak. Fix: check the backbone and its input size (--input-size; MobileNet needs ${MOBILENET_MIN_INPUT} or more).`;
}

function assertFinite(split: SplitFeatures, name: string, dir: string): void {
  const f = split.features;
  for (let i = 0; i < f.length; i++) {
    if (!Number.isFinite(f[i])) {
      throw new GbmError(
        `${name} features contain ${f[i]} at row ${Math.floor(i / split.dim)}, column ${i % split.dim} (${dir}).`,
        'delete that cache folder to re-extract, or fix the features you supplied.',
      );
    }
  }
}

/** Options of runExperiment beyond the config. */
export interface RunOptions {
  /** Features already in memory (notebooks, tests); otherwise they are extracted or loaded from the cache. */
  features?: FeatureSet;
  /** Called after every step (the CLI prints a table row). */
  onStep?: (s: StepResult, run: { scenario: Scenario }) => void;
  /** Draw progress bars on stderr. */
  progress?: boolean;
  /** Where feature extraction reports what it does (default: stderr). */
  log?: (line: string) => void;
  /** Where the final memory is saved (optional). */
  memoryDir?: string;
  /** Folder of trained Heaviside binarizers (default: <cache>/binarizers); null to always train afresh. */
  binarizerCache?: string | null;
}

/**
 * Run a method class-incrementally (GBM by default, or any registered baseline) on frozen features: fit the
 * binarizer on the base task when the method reads codes, then for every step let the method learn the new
 * classes and evaluate it on the test images of every class seen so far.
 */
export async function runExperiment(input: ResolvedRun | RunConfigInput, opts: RunOptions = {}): Promise<RunResult> {
  const run = isResolvedRun(input) ? input : await resolveRun(input, { locate: !opts.features });
  const { config, method: spec } = run;
  const t0 = Date.now();
  const backend = await initBackend();
  if (!opts.features && run.source) {
    // Check the scenario against the data's class count, and the backbone against its classes, before extracting anything.
    let ids = config.features.subset?.classes ? [...config.features.subset.classes].sort((a, b) => a - b) : undefined;
    if (ids === undefined) {
      const ds = reopenDataset(run.source.dataset);
      ids = ds.classNames.map((_, i) => i);
      ds.close();
    }
    const s = buildScenario(ids.length, config.scenario);
    checkBackboneOverlap(
      config,
      s.order.map((i) => ids![i]),
    );
  }
  if (!opts.features && !run.source && !config.features.path)
    throw new Error('runExperiment: a run resolved without locating its features needs opts.features');
  const feats =
    opts.features ??
    (run.source
      ? await extractFeatures({ ...config.features, resolved: run.source, progress: opts.progress !== false, log: opts.log })
      : loadExternalFeatures(config.features.path!));
  assertFinite(feats.train, 'train', feats.dir);
  assertFinite(feats.test, 'test', feats.dir);
  if (feats.test.count === 0) {
    throw new GbmError(
      `no test images in ${feats.dir}: accuracy cannot be measured.`,
      'give the dataset a test split (an image folder needs test/<class>/...; .npy features need test_features.npy) with images of every class.',
    );
  }

  // Scenario over the classes present (a subset keeps its own ids); labels become positions in the order.
  const { scenario, order } = scenarioOver(feats.train.labels, config.scenario);
  const classIds = [...order].sort((a, b) => a - b);
  const backboneOverlap = checkBackboneOverlap(config, order);
  const posOf = new Int32Array(Math.max(...classIds) + 1).fill(-1);
  order.forEach((c, i) => {
    posOf[c] = i;
  });
  const testPos = feats.test.labels.map((l) => posOf[l]);

  const rng = new MT19937(config.seed);
  const F = feats.train.dim;
  const steps: StepResult[] = [];
  let method: CilMethod | null = null;
  let binarizer: Binarizer | null = null;
  let testX: tf.Tensor2D | null = null;
  const groupAccHistory: number[][] = [];
  const warnings: string[] = [];
  const progress = (label: string, total: number) => new Progress({ label, total, unit: 'epoch', stream: opts.progress === false ? null : process.stderr });
  try {
    for (let t = 0; t < scenario.steps.length; t++) {
      const newPos = scenario.steps[t];
      const newSet = new Set(newPos);
      const seen = scenario.steps.slice(0, t + 1).flat();
      const oldPos = scenario.steps.slice(0, t).flat();
      const all = selectClasses(
        feats.train,
        newPos.map((p) => order[p]),
      );
      // Few-shot: after the base task, each new class brings `shots` training images (the same for every method).
      const fewShot = t > 0 && config.scenario.kind === 'few-shot';
      const keep = fewShot
        ? fewShotRows(
            all.y,
            newPos.map((p) => order[p]),
            config.scenario.shots!,
            config.scenario.orderSeed,
          )
        : null;
      const sel = keep ? { x: gatherRows(all.x, F, keep), y: Int32Array.from(keep, (r) => all.y[r]), n: keep.length } : all;
      const y = sel.y.map((i) => newPos[i]);

      // The method's input: codes of the binarizer fitted on the base task only (then frozen), or the features.
      let ts = Date.now();
      if (t === 0) {
        if (run.binarizer) {
          const cache = opts.binarizerCache === null ? undefined : (opts.binarizerCache ?? path.join(cacheDir(), 'binarizers'));
          binarizer = await run.binarizer.fit(config.binarizer, {
            features: sel.x,
            labels: y,
            n: sel.n,
            dim: F,
            numClasses: newPos.length,
            seed: rng.childSeed(),
            cacheDir: cache,
          });
        }
        const bz = binarizer;
        testX = tf.tidy(() => {
          if (bz?.encodeHost) return tf.tensor2d(bz.encodeHost(feats.test.features, feats.test.count), [feats.test.count, bz.codeLength]);
          const f = tf.tensor2d(feats.test.features, [feats.test.count, F]);
          return bz ? bz.encode(f) : f;
        });
        method = spec.create({ config, dim: bz ? bz.codeLength : F, rng, progress });
      }
      const bin = binarizer;
      const hostCodes = bin?.encodeHost ? bin.encodeHost(sel.x, sel.n) : null;
      const xTensor = tf.tidy(() => {
        if (hostCodes) return tf.tensor2d(hostCodes, [sel.n, bin!.codeLength]);
        const f = tf.tensor2d(sel.x, [sel.n, F]);
        return bin ? bin.encode(f) : f;
      });
      const x = hostCodes ?? (bin ? ((await xTensor.data()) as Float32Array) : sel.x);
      if (t === 0) {
        const backbone = feats.meta.key?.backbone;
        const small = backbone?.name === 'mobilenet' ? mobilenetInputWarning(backbone.inputSize) : null;
        const w = [small ?? deadFeatureWarning(sel.x, sel.n, F), bin ? constantCodeWarning(x, sel.n, bin.codeLength, config) : null];
        warnings.push(...w.filter((m): m is string => m !== null));
      }
      const tBin = (Date.now() - ts) / 1000;

      let stats: StepStats;
      try {
        const data = { step: t, newClasses: newPos, oldClasses: oldPos, x, xTensor, y, n: sel.n, dim: xTensor.shape[1] };
        // Online: after the base task, the step's rows arrive as a stream of mini-batches (the same for every method).
        const { stream } = config.scenario;
        stats =
          t > 0 && config.scenario.kind === 'online'
            ? await method!.learnStream!(data, streamBatches(sel.n, stream!.batch, config.scenario.orderSeed, t))
            : await method!.learn(data);
      } finally {
        xTensor.dispose();
      }

      // Evaluate on the test images of every class seen so far.
      ts = Date.now();
      const pred = await method!.predict(testX!);
      const groupAcc = scenario.steps.slice(0, t + 1).map((grp) => accuracyOn(pred, testPos, new Set(grp)));
      groupAccHistory.push(groupAcc);
      const step: StepResult = {
        step: t,
        seenClasses: seen.length,
        newClasses: newPos.length,
        trainImages: sel.n,
        accuracy: accuracyOn(pred, testPos, new Set(seen)),
        oldAccuracy: t === 0 ? NaN : accuracyOn(pred, testPos, new Set(oldPos)),
        newAccuracy: accuracyOn(pred, testPos, newSet),
        groupAccuracy: groupAcc,
        memoryBits: method!.memoryBits(),
        extra: stats.extra,
        trainLoss: stats.trainLoss,
        seconds: { binarize: tBin, memory: stats.seconds.memory, train: stats.seconds.train, eval: (Date.now() - ts) / 1000 },
      };
      steps.push(step);
      opts.onStep?.(step, { scenario });
    }
    if (opts.memoryDir) method!.save?.(opts.memoryDir);
    const last = steps[steps.length - 1];
    const testImagesPerStep = scenario.steps.map((grp) => {
      const g = new Set(grp);
      return testPos.reduce((n, p) => n + (g.has(p) ? 1 : 0), 0);
    });
    const m = matrixMetrics(groupAccHistory, testImagesPerStep);
    return {
      format: 'gbm-run/1',
      name: runName(config),
      config,
      environment: environment(backend),
      features: {
        dir: feats.dir,
        featureDim: F,
        notes: feats.meta.notes,
        backboneBits: feats.meta.backboneInfo?.deployedBits,
        ...(config.scenario.allowBackboneOverlap ? { backboneOverlap } : {}),
      },
      codeLength: binarizer?.codeLength ?? 0,
      inputDim: binarizer?.codeLength ?? F,
      classOrder: order,
      steps,
      accuracyMatrix: groupAccHistory,
      ...(warnings.length ? { warnings } : {}),
      testImagesPerStep,
      summary: {
        averageIncrementalAccuracy: m.averageIncrementalAccuracy,
        averageIncrementalAccuracyNoBase: m.averageIncrementalAccuracyNoBase,
        finalAccuracy: m.finalAccuracy,
        averageForgetting: m.averageForgetting,
        backwardTransfer: m.backwardTransfer,
        memoryBits: last.memoryBits,
        bitsPerClass: last.memoryBits / last.seenClasses,
        seconds: (Date.now() - t0) / 1000,
      },
    };
  } finally {
    binarizer?.dispose();
    method?.dispose();
    testX?.dispose();
  }
}
