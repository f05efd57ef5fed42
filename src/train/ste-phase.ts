import { tf } from '../backend/tf.js';
import { thermometerSTE } from '../binarize/ste.js';
import { columnPercentiles } from '../binarize/thermometer.js';
import { fitLinearClassifier } from '../classifier/probe.js';
import { INFERENCE } from '../models/layers.js';
import type { TrainableNet } from '../models/net.js';
import { GbmError } from '../util/errors.js';
import { Progress } from '../util/progress.js';
import { batchOf, type ImageSet } from './data.js';
import type { SteHeadInit } from './loss-path.js';
import { TRAIN_DEFAULTS, trainNet, type EpochRecord } from './trainer.js';

/** The STE phase: fine-tune F with the thermometer binarizer in the loop (method.md, "STE phase"). */
export interface SteConfig {
  /** Epochs of the phase; 0 = skip it. */
  epochs: number;
  /** Learning rate (SGD with momentum, cosine, no warm-up): small, F is already trained. */
  lr: number;
  /** Thermometer levels p in the loop. */
  levels: number;
  /** Range c = this percentile of each feature over the base training set (as the thermometer binarizer calibrates it). */
  percentile: number;
  /**
   * The head on the bits at the start: 'fit' = G trained on the frozen network's codes of the training set (as GBM's
   * base step trains it), so F's first gradients come from a head that already reads the bits; 'random' = a fresh
   * head (the kit's first version, whose near-chance head pushed F off its features in the first epoch).
   */
  head: 'fit' | 'random';
}

/**
 * Defaults of SteConfig: p = 1 (where the paper says training stalls without the phase), 4 epochs (notebook 10's
 * length), the head fitted on the frozen codes first (a fresh head cost GBM 6.2 points on TinyImageNet, a fitted one
 * gained 0.31: README). On by default for every network with real-valued features (their codes are thermometer
 * codes); `steEpochsDefault` turns it off for a BNN, whose embedding is already bits.
 */
export const STE_DEFAULTS: SteConfig = { epochs: 4, lr: 0.01, levels: 1, percentile: 75, head: 'fit' };

/** The STE phase's default length for an architecture: STE_DEFAULTS.epochs, 0 for a binary network. */
export function steEpochsDefault(arch: string): number {
  return arch === 'bnn' ? 0 : STE_DEFAULTS.epochs;
}

/** A network's inference-mode features of a whole image set, row-major [count x featureDim]. */
export async function inferenceFeatures(
  net: TrainableNet,
  set: ImageSet,
  opts: { batchSize?: number; progress?: boolean; label?: string } = {},
): Promise<Float32Array> {
  const d = net.featureDim;
  const batchSize = opts.batchSize ?? 256;
  const all = new Float32Array(set.count * d);
  const bar = opts.progress ? new Progress({ label: opts.label ?? 'features', total: set.count, unit: 'img' }) : null;
  for (let s = 0; s < set.count; s += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, set.count - s) }, (_, k) => s + k);
    const f = tf.tidy(() => net.features(batchOf(set, rows), INFERENCE));
    all.set(await f.data(), s * d);
    f.dispose();
    bar?.tick(rows.length);
  }
  bar?.finish();
  return all;
}

/** Per-feature thermometer range c of features [n x d]: the given percentile of each column. */
export function rangeOf(features: Float32Array, n: number, d: number, percentile: number): Float32Array {
  return columnPercentiles(features, n, d, percentile, 'per-dim').map((c) => Math.max(c, 1e-6));
}

/**
 * The STE head's starting weights: G trained (CLASSIFIER_DEFAULTS, seeded) on the thermometer codes of the frozen
 * network's features, so the phase starts from a head that reads the bits. Returns [din x classes] kernel and bias.
 */
export async function fitSteHead(
  features: Float32Array,
  labels: Int32Array,
  d: number,
  numClasses: number,
  range: Float32Array,
  levels: number,
  seed: number,
): Promise<SteHeadInit> {
  const n = labels.length;
  const codes = tf.tidy(() => thermometerSTE(tf.tensor2d(features, [n, d]), tf.tensor1d(range), levels));
  const rows = (await codes.data()) as Float32Array;
  codes.dispose();
  const { classifier } = await fitLinearClassifier(rows, labels, d * levels, numClasses, {}, seed);
  const { W, b } = classifier.weights();
  const init = { kernel: (await W.data()) as Float32Array, bias: (await b.data()) as Float32Array };
  classifier.dispose();
  return init;
}

/**
 * Put the thermometer in the loop and fine-tune F through its straight-through gradient, with a fresh linear head
 * on the bits (F's own head reads real features; by default first fitted on the frozen codes, `SteConfig.head`). Features then spread across the thresholds instead of staying
 * where a real-valued head left them. Batch norm keeps its running moments (inference mode) throughout. Sharded
 * over worker threads like the main training (`shards`, `workers`); with batch norm frozen, the shards change only
 * the order of float sums. Returns the per-epoch records (validation = accuracy through the bits).
 */
export async function steFinetune(
  net: TrainableNet,
  train: ImageSet,
  val: ImageSet | null,
  cfg: Omit<SteConfig, 'head'> & Partial<Pick<SteConfig, 'head'>>,
  opts: {
    checkpointDir?: string;
    progress?: boolean;
    seed: number;
    /** false = F frozen, only the head on the bits learns (the control without STE). */
    trainFeatures?: boolean;
    /** Data parallelism as in the main training (default 1 shard). */
    shards?: number;
    workers?: number;
    netSeed?: number;
  },
): Promise<{ records: EpochRecord[]; range: Float32Array }> {
  if (net.binaryEmbedding)
    throw new GbmError('the STE phase puts a thermometer on real features; this network is already binary.', 'drop --ste-epochs for --arch bnn.');
  if (!Number.isInteger(cfg.levels) || cfg.levels < 1) throw new GbmError(`--ste-levels ${cfg.levels} must be a positive integer.`, 'use --ste-levels 1.');
  const headInit = cfg.head ?? STE_DEFAULTS.head;
  if (headInit !== 'fit' && headInit !== 'random') throw new GbmError(`--ste-head ${String(headInit)} is not known.`, 'use --ste-head fit or random.');
  const features = await inferenceFeatures(net, train, { progress: opts.progress, label: 'STE range' });
  const range = rangeOf(features, train.count, net.featureDim, cfg.percentile);
  const head =
    headInit === 'fit' ? await fitSteHead(features, train.labels, net.featureDim, net.config.numClasses, range, cfg.levels, opts.seed + 1) : undefined;
  const trainCfg = {
    ...TRAIN_DEFAULTS,
    epochs: cfg.epochs,
    lr: cfg.lr,
    warmupEpochs: 0,
    seed: opts.seed,
    ...(opts.shards && opts.shards > 1 ? { shards: opts.shards } : {}),
  };
  const { records } = await trainNet(net, train, val, trainCfg, {
    checkpointDir: opts.checkpointDir,
    progress: opts.progress,
    phase: { kind: 'ste', range, levels: cfg.levels, seed: opts.seed + 1, trainFeatures: opts.trainFeatures !== false, ...(head ? { head } : {}) },
    workers: opts.workers,
    netSeed: opts.netSeed,
  });
  return { records, range };
}
