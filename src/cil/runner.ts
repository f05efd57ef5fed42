import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeBackend, initBackend, type BackendInfo } from '../backend/index.js';
import { tf } from '../backend/tf.js';
import { fitBinarizer, type Binarizer } from '../binarize/index.js';
import { LinearClassifier } from '../classifier/linear.js';
import { PROJECT_ROOT } from '../data/locate.js';
import { reopenDataset } from '../data/registry.js';
import type { FeatureSet, SplitFeatures } from '../features/cache.js';
import { extractFeatures, resolveFeatureKey } from '../features/extract.js';
import { selectClasses } from '../features/select.js';
import { fitBernoulliMixtures } from '../memory/em.js';
import { BinaryMemory } from '../memory/memory.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';
import { Progress } from '../util/progress.js';
import { resolveConfig, type GbmConfig, type GbmConfigInput } from './config.js';
import { accuracyOn, averageForgetting, averageIncrementalAccuracy } from './metrics.js';
import { replayEpoch } from './replay.js';
import { buildScenario, type Scenario } from './scenario.js';

/** What one step (0 = base task) measured. */
export interface StepResult {
  step: number;
  /** Classes seen after this step. */
  seenClasses: number;
  newClasses: number;
  /** A_t: top-1 accuracy on the test images of all classes seen so far. */
  accuracy: number;
  /** Accuracy on classes of earlier steps (NaN at the base step). */
  oldAccuracy: number;
  /** Accuracy on this step's classes. */
  newAccuracy: number;
  /** Accuracy on each step's class group so far (for forgetting). */
  groupAccuracy: number[];
  /** GBM memory size after this step, in bits. */
  memoryBits: number;
  emIterations: number;
  /** Mean over this step's classes of the final EM log-likelihood per sample. */
  emLogLikelihood: number;
  emReseeds: number;
  /** Mean training loss of the classifier's last epoch. */
  trainLoss: number;
  seconds: { binarize: number; em: number; train: number; eval: number };
}

/** A whole run: its config and environment (enough to redo it), every step, and the summary metrics. */
export interface RunResult {
  format: 'gbm-run/1';
  name: string;
  config: GbmConfig;
  environment: { backend: string; backendDetail: string; tfjs: string; node: string; kit: string; commit: string | null; date: string; machine: string };
  features: { dir: string; featureDim: number; notes: string[] };
  codeLength: number;
  classOrder: number[];
  steps: StepResult[];
  summary: {
    averageIncrementalAccuracy: number;
    finalAccuracy: number;
    averageForgetting: number;
    memoryBits: number;
    bitsPerClass: number;
    seconds: number;
  };
}

/** A short, stable name for a config, used as its results folder. */
export function runName(c: GbmConfig): string {
  const b = c.binarizer.kind === 'thermometer' ? `thermo-p${c.binarizer.levels}` : `heavi-${c.binarizer.bits}`;
  const sub = c.features.subset ? '-subset' : '';
  return `${c.features.dataset}${sub}-${c.features.backbone}-B${c.scenario.baseClasses}-T${c.scenario.tasks}-${b}-K${c.memory.em.K}-mu${c.memory.muBits}-${c.replay}-s${c.seed}`;
}

function assertFinite(split: SplitFeatures, name: string, dir: string): void {
  const f = split.features;
  for (let i = 0; i < f.length; i++) {
    if (!Number.isFinite(f[i])) {
      throw new GbmError(`${name} features contain ${f[i]} at row ${Math.floor(i / split.dim)}, column ${i % split.dim} (${dir}).`, 'delete that cache folder to re-extract, or fix the features you supplied.');
    }
  }
}

function environment(backend: BackendInfo): RunResult['environment'] {
  let kit = 'unknown';
  try {
    kit = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // Bundled or copied code without its package.json: the commit below still identifies it when known.
  }
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return {
    backend: backend.name, backendDetail: describeBackend(backend), tfjs: backend.tfjs, node: process.version, kit,
    commit: git.status === 0 ? git.stdout.trim() : null, date: new Date().toISOString(),
    machine: `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  };
}

/** Options of runGbm beyond the config. */
export interface RunOptions {
  /** Features already in memory (notebooks, tests); otherwise they are extracted or loaded from the cache. */
  features?: FeatureSet;
  /** Called after every step (the CLI prints a table row). */
  onStep?: (s: StepResult, run: { scenario: Scenario }) => void;
  /** Draw progress bars on stderr. */
  progress?: boolean;
  /** Where the final memory is saved (optional). */
  memoryDir?: string;
}

/**
 * Run GBM class-incrementally: on the base task fit the binarizer, train G and fit every base class's BMM;
 * then for each task fit the new classes' BMMs and retrain G on real new codes mixed with pseudo-exemplars of
 * the old classes (Equation 4); evaluate after every step.
 */
export async function runGbm(input: GbmConfigInput, opts: RunOptions = {}): Promise<RunResult> {
  const config = resolveConfig(input);
  const t0 = Date.now();
  const backend = await initBackend();
  if (!opts.features) {
    // Check the scenario against the data's class count before extracting anything.
    let numClasses = config.features.subset?.classes?.length;
    if (numClasses === undefined) {
      const ds = reopenDataset((await resolveFeatureKey(config.features)).dataset);
      numClasses = ds.classNames.length;
      ds.close();
    }
    buildScenario(numClasses, config.scenario);
  }
  const feats = opts.features ?? await extractFeatures({ ...config.features, progress: opts.progress !== false });
  assertFinite(feats.train, 'train', feats.dir);
  assertFinite(feats.test, 'test', feats.dir);

  // Scenario over the classes present (a subset keeps its own ids); labels become positions in the order.
  const classIds = [...new Set(feats.train.labels)].sort((a, b) => a - b);
  const scenario = buildScenario(classIds.length, config.scenario);
  const order = scenario.order.map((i) => classIds[i]);
  const posOf = new Int32Array(Math.max(...classIds) + 1).fill(-1);
  order.forEach((c, i) => { posOf[c] = i; });
  const testPos = feats.test.labels.map((l) => posOf[l]);

  const rng = new MT19937(config.seed);
  const F = feats.train.dim;
  const steps: StepResult[] = [];
  let memory: BinaryMemory | null = null;
  let binarizer: Binarizer | null = null;
  let G: LinearClassifier | null = null;
  let testCodes: tf.Tensor2D | null = null;
  const groupAccHistory: number[][] = [];
  const bar = (label: string, total: number) => new Progress({ label, total, unit: 'batch', stream: opts.progress === false ? null : process.stderr });
  try {
    for (let t = 0; t < scenario.steps.length; t++) {
      const newPos = scenario.steps[t];
      const newSet = new Set(newPos);
      const seen = scenario.steps.slice(0, t + 1).flat();
      const oldPos = scenario.steps.slice(0, t).flat();
      const sel = selectClasses(feats.train, newPos.map((p) => order[p]));
      const x = sel.x;
      const y = sel.y.map((i) => newPos[i]);
      const n = sel.n;

      // Binarize (the binarizer is fitted on the base task only, then frozen).
      let ts = Date.now();
      if (t === 0) {
        binarizer = await fitBinarizer(config.binarizer, x, y, n, F, newPos.length, rng.childSeed());
        memory = new BinaryMemory(binarizer.codeLength, config.memory.em.K, config.memory.muBits, config.memory.em.eps);
        const bz = binarizer;
        testCodes = tf.tidy(() => bz.encode(tf.tensor2d(feats.test.features, [feats.test.count, F])));
        G = new LinearClassifier(binarizer.codeLength, newPos.length, rng.childSeed());
      }
      const bin = binarizer!;
      const codes = tf.tidy(() => bin.encode(tf.tensor2d(x, [n, F])));
      const codesHost = (await codes.data()) as Float32Array;
      const D = bin.codeLength;
      const tBin = (Date.now() - ts) / 1000;

      // Fit one BMM per new class, all classes of the step in one batched EM.
      ts = Date.now();
      const perClass = newPos.map(() => [] as number[]);
      sel.y.forEach((c, i) => perClass[c].push(i)); // sel.y indexes newPos
      const classCodes = perClass.map((list) => {
        const out = new Uint8Array(list.length * D);
        list.forEach((i, j) => { for (let d = 0; d < D; d++) out[j * D + d] = codesHost[i * D + d]; });
        return out;
      });
      const em = await fitBernoulliMixtures({ codes: classCodes, dim: D }, config.memory.em, rng.childSeed());
      const K = config.memory.em.K;
      newPos.forEach((p, i) => memory!.add(p, em.mu.subarray(i * K * D, (i + 1) * K * D), em.pi.subarray(i * K, (i + 1) * K)));
      const tEm = (Date.now() - ts) / 1000;

      // Train G: base task on real codes; later tasks on real new codes + pseudo-exemplars (or none).
      ts = Date.now();
      const g = G!;
      if (t > 0) g.grow(seen.length, config.classifier.perTask);
      const opt = g.optimizer(config.classifier);
      const yReal = tf.tensor1d(y, 'int32');
      const replayOld = config.replay === 'pseudo' ? oldPos : [];
      let lastLoss = NaN;
      const progress = bar(`step ${t} train G`, config.classifier.epochs);
      for (let e = 0; e < config.classifier.epochs; e++) {
        const batches = replayEpoch(n, replayOld, newPos.length, config.classifier.batchSize, rng);
        const allPseudo = new Int32Array(batches.reduce((n, b) => n + b.pseudoLabels.length, 0));
        batches.reduce((o, b) => { allPseudo.set(b.pseudoLabels, o); return o + b.pseudoLabels.length; }, 0);
        // One draw of the epoch's pseudo-exemplars; each batch uploads its rows (no slicing of a big tensor).
        const pseudo = allPseudo.length ? memory!.sampleCodes(allPseudo, rng.childSeed()) : null;
        // Batches are built lazily, one at a time, as the classifier consumes them.
        function* batchTensors(): Generator<[tf.Tensor2D, tf.Tensor1D]> {
          let off = 0;
          for (const b of batches) {
            const nOld = b.pseudoLabels.length;
            const start = off;
            off += nOld;
            yield tf.tidy(() => {
              const idx = tf.tensor1d(b.realIndices, 'int32');
              let xs = tf.gather(codes, idx) as tf.Tensor2D;
              let ys = tf.gather(yReal, idx) as tf.Tensor1D;
              if (pseudo && nOld) {
                xs = tf.concat([xs, tf.tensor2d(pseudo.subarray(start * D, (start + nOld) * D), [nOld, D])]);
                ys = tf.concat([ys, tf.tensor1d(b.pseudoLabels, 'int32')]);
              }
              return [xs, ys] as [tf.Tensor2D, tf.Tensor1D];
            });
          }
        }
        lastLoss = await g.steps(opt, batchTensors());
        progress.tick();
      }
      progress.finish();
      opt.dispose();
      tf.dispose([yReal, codes]);
      const tTrain = (Date.now() - ts) / 1000;

      // Evaluate on the test images of every class seen so far.
      ts = Date.now();
      const pred = await g.predict(testCodes!);
      const groupAcc = scenario.steps.slice(0, t + 1).map((grp) => accuracyOn(pred, testPos, new Set(grp)));
      groupAccHistory.push(groupAcc);
      const step: StepResult = {
        step: t,
        seenClasses: seen.length,
        newClasses: newPos.length,
        accuracy: accuracyOn(pred, testPos, new Set(seen)),
        oldAccuracy: t === 0 ? NaN : accuracyOn(pred, testPos, new Set(oldPos)),
        newAccuracy: accuracyOn(pred, testPos, newSet),
        groupAccuracy: groupAcc,
        memoryBits: memory!.sizeInBits(),
        emIterations: em.iterations,
        emLogLikelihood: em.finalLogLik.reduce((a, b) => a + b, 0) / em.finalLogLik.length,
        emReseeds: em.reseeds.length,
        trainLoss: lastLoss,
        seconds: { binarize: tBin, em: tEm, train: tTrain, eval: (Date.now() - ts) / 1000 },
      };
      steps.push(step);
      opts.onStep?.(step, { scenario });
    }
    if (opts.memoryDir) memory!.save(opts.memoryDir);
    const acc = steps.map((s) => s.accuracy);
    return {
      format: 'gbm-run/1',
      name: runName(config),
      config,
      environment: environment(backend),
      features: { dir: feats.dir, featureDim: F, notes: feats.meta.notes },
      codeLength: binarizer!.codeLength,
      classOrder: order,
      steps,
      summary: {
        averageIncrementalAccuracy: averageIncrementalAccuracy(acc),
        finalAccuracy: acc[acc.length - 1],
        averageForgetting: averageForgetting(groupAccHistory),
        memoryBits: memory!.sizeInBits(),
        bitsPerClass: memory!.bitsPerClass(),
        seconds: (Date.now() - t0) / 1000,
      },
    };
  } finally {
    binarizer?.dispose();
    G?.dispose();
    testCodes?.dispose();
    memory?.dispose();
  }
}
