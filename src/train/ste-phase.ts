import { tf } from '../backend/tf.js';
import { columnPercentiles } from '../binarize/thermometer.js';
import { INFERENCE } from '../models/layers.js';
import type { TrainableNet } from '../models/net.js';
import { GbmError } from '../util/errors.js';
import { batchOf, type ImageSet } from './data.js';
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
}

/**
 * Defaults of SteConfig: p = 1 (where the paper says training stalls without the phase), 4 epochs as notebook 10
 * measured it (+3.6 points of GBM accuracy). On by default for every network with real-valued features (their
 * codes are thermometer codes); `steEpochsDefault` turns it off for a BNN, whose embedding is already bits.
 */
export const STE_DEFAULTS: SteConfig = { epochs: 4, lr: 0.01, levels: 1, percentile: 75 };

/** The STE phase's default length for an architecture: STE_DEFAULTS.epochs, 0 for a binary network. */
export function steEpochsDefault(arch: string): number {
  return arch === 'bnn' ? 0 : STE_DEFAULTS.epochs;
}

/** Per-feature thermometer range c of a network on a set: the given percentile of its inference-mode features. */
export async function featureRange(net: TrainableNet, set: ImageSet, percentile: number, batchSize = 256): Promise<Float32Array> {
  const d = net.featureDim;
  const all = new Float32Array(set.count * d);
  for (let s = 0; s < set.count; s += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, set.count - s) }, (_, k) => s + k);
    const f = tf.tidy(() => net.features(batchOf(set, rows), INFERENCE));
    all.set(await f.data(), s * d);
    f.dispose();
  }
  return columnPercentiles(all, set.count, d, percentile, 'per-dim').map((c) => Math.max(c, 1e-6));
}

/**
 * Put the thermometer in the loop and fine-tune F through its straight-through gradient, with a fresh linear head
 * on the bits (F's own head reads real features). Features then spread across the thresholds instead of staying
 * where a real-valued head left them. Batch norm keeps its running moments (inference mode) throughout. Sharded
 * over worker threads like the main training (`shards`, `workers`); with batch norm frozen, the shards change only
 * the order of float sums. Returns the per-epoch records (validation = accuracy through the bits).
 */
export async function steFinetune(
  net: TrainableNet,
  train: ImageSet,
  val: ImageSet | null,
  cfg: SteConfig,
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
  const range = await featureRange(net, train, cfg.percentile);
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
    phase: { kind: 'ste', range, levels: cfg.levels, seed: opts.seed + 1, trainFeatures: opts.trainFeatures !== false },
    workers: opts.workers,
    netSeed: opts.netSeed,
  });
  return { records, range };
}
