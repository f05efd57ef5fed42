import { tf } from '../backend/tf.js';
import { thermometerSTE } from '../binarize/ste.js';
import { columnPercentiles } from '../binarize/thermometer.js';
import { dense, INFERENCE, type Pass } from '../models/layers.js';
import type { TrainableNet } from '../models/net.js';
import { ParamStore } from '../models/params.js';
import { GbmError } from '../util/errors.js';
import { batchOf, type ImageSet } from './data.js';
import { evaluate, TRAIN_DEFAULTS, trainNet, type EpochRecord } from './trainer.js';

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
 * where a real-valued head left them. Batch norm keeps its running moments (inference mode) throughout.
 * Returns the per-epoch records (validation = accuracy through the bits).
 */
export async function steFinetune(
  net: TrainableNet,
  train: ImageSet,
  val: ImageSet | null,
  cfg: SteConfig,
  opts: {
    checkpointDir?: string;
    progress?: boolean;
    seed: number /** false = F frozen, only the head on the bits learns (the control without STE). */;
    trainFeatures?: boolean;
  },
): Promise<{ records: EpochRecord[]; range: Float32Array }> {
  if (net.binaryEmbedding)
    throw new GbmError('the STE phase puts a thermometer on real features; this network is already binary.', 'drop --ste-epochs for --arch bnn.');
  if (!Number.isInteger(cfg.levels) || cfg.levels < 1) throw new GbmError(`--ste-levels ${cfg.levels} must be a positive integer.`, 'use --ste-levels 1.');
  const range = await featureRange(net, train, cfg.percentile);
  const c = tf.tensor1d(range);
  const headParams = new ParamStore(opts.seed + 1);
  const head = dense(headParams, 'ste_head', net.featureDim * cfg.levels, net.config.numClasses);
  try {
    // Batch norm stays in inference mode (running moments frozen, its scale and shift still trained): the
    // thermometer then sees, and c was calibrated on, the features GBM will binarize.
    const logits = (n: TrainableNet, x: tf.Tensor4D, _pass: Pass) => head(thermometerSTE(n.features(x, INFERENCE), c, cfg.levels));
    const trainCfg = { ...TRAIN_DEFAULTS, epochs: cfg.epochs, lr: cfg.lr, warmupEpochs: 0, seed: opts.seed };
    const own = opts.trainFeatures === false ? [] : net.params.params.filter((p) => p.trainable && !p.name.startsWith('head/')).map((p) => p.variable);
    const variables = [...own, ...headParams.trainable()];
    const validate = (n: TrainableNet, set: ImageSet) => evaluate(n, set, 256, (x) => logits(n, x, INFERENCE));
    const { records } = await trainNet(net, train, val, trainCfg, {
      checkpointDir: opts.checkpointDir,
      progress: opts.progress,
      logits,
      variables,
      extraParams: headParams,
      validate,
    });
    return { records, range };
  } finally {
    c.dispose();
    headParams.dispose();
  }
}
