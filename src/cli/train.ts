import { DATASETS } from '../data/registry.js';
import { NETS } from '../models/nets.js';
import { STE_DEFAULTS } from '../train/ste-phase.js';
import { archDefaults, trainBackbone, type TrainBackboneOptions } from '../train/train-backbone.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../train/trainer.js';
import type { Command, OptionSpec } from './args.js';

type Opts = Record<string, string | number | boolean | undefined>;

/** Options of `gbm train-backbone`; training defaults depend on --arch, so the help names them instead of the parser. */
export const TRAIN_OPTIONS: OptionSpec[] = [
  { name: 'arch', type: 'string', default: 'resnet20', help: `architecture: ${Object.keys(NETS).join(', ')}` },
  { name: 'dataset', type: 'string', default: 'tinyimagenet', help: `dataset whose base classes it is trained on: ${Object.keys(DATASETS).join(', ')}` },
  { name: 'root', type: 'string', help: 'where the dataset is, if not in the data folders (archive, extracted folder or imagefolder root)' },
  { name: 'input-size', type: 'int', help: "square input size, 32 or 64 (default: the dataset's: 64 TinyImageNet/CORe50, 32 CIFAR-100/Fashion-MNIST)" },
  { name: 'width', type: 'number', help: 'channel multiplier (default: 1)' },
  { name: 'bits', type: 'int', help: 'bnn only: bits of the binary embedding (default: 256)' },
  { name: 'stem-stride', type: 'int', help: 'ResNets: stride of the 3x3 stem, 1 (CIFAR stem) or 2 (a 64x64 input at the cost of 32x32) (default: 1)' },
  { name: 'base-classes', type: 'int', help: "base classes, first in the seeded class order (default: the dataset's protocol: 100, 50 CIFAR-100, 10 CORe50)" },
  { name: 'order-seed', type: 'int', help: 'class-order seed, numpy permutation (default: 1993, as the runner)' },
  { name: 'train-per-class', type: 'int', help: 'only the first N training images of each base class (quick runs)' },
  { name: 'val-per-class', type: 'int', help: 'only the first N validation (test-split) images of each base class' },
  {
    name: 'epochs',
    type: 'int',
    help: `epochs (default: ${TRAIN_DEFAULTS.epochs}; bnn ${archDefaults('bnn').epochs}; resnet18 ${archDefaults('resnet18').epochs} as FeCAM)`,
  },
  { name: 'batch-size', type: 'int', help: `mini-batch size (default: ${TRAIN_DEFAULTS.batchSize})` },
  { name: 'optimizer', type: 'string', help: `sgd (momentum, weight decay) | adam (default: sgd; bnn adam)` },
  { name: 'lr', type: 'number', help: `peak learning rate (default: ${TRAIN_DEFAULTS.lr}; bnn ${archDefaults('bnn').lr})` },
  { name: 'momentum', type: 'number', help: `SGD momentum (default: ${TRAIN_DEFAULTS.momentum})` },
  { name: 'weight-decay', type: 'number', help: `L2 weight decay with sgd (default: ${TRAIN_DEFAULTS.weightDecay}; bnn 0)` },
  { name: 'schedule', type: 'string', help: `learning rate per step: cosine (after a linear warm-up) | constant (default: ${TRAIN_DEFAULTS.schedule})` },
  { name: 'warmup-epochs', type: 'number', help: `linear warm-up epochs (default: ${TRAIN_DEFAULTS.warmupEpochs})` },
  { name: 'augment', type: 'boolean', help: 'random crop + horizontal flip (default: on; off for bnn); --augment=false turns it off' },
  { name: 'crop-pad', type: 'int', help: `padding of the random crop (default: ${TRAIN_DEFAULTS.cropPad})` },
  {
    name: 'ste-epochs',
    type: 'int',
    help: `STE phase after training: epochs of fine-tuning F with the thermometer in the loop (default: ${STE_DEFAULTS.epochs}; bnn 0; 0 = skip it)`,
  },
  { name: 'ste-lr', type: 'number', help: `learning rate of the STE phase (default: ${STE_DEFAULTS.lr})` },
  { name: 'ste-levels', type: 'int', help: `thermometer levels p in the loop (default: ${STE_DEFAULTS.levels})` },
  {
    name: 'ste-head',
    type: 'string',
    help: `head on the bits at the start of the STE phase: fit (trained on the frozen network's codes first) | random (default: ${STE_DEFAULTS.head})`,
  },
  { name: 'ste-percentile', type: 'number', help: `thermometer range c = this percentile of each feature (default: ${STE_DEFAULTS.percentile})` },
  {
    name: 'shards',
    type: 'int',
    help: 'data parallelism: each batch in this many shards (own batch-norm moments, gradients averaged) (default: one per core on CPU backends, 1 on a GPU)',
  },
  { name: 'workers', type: 'int', help: 'threads computing the shards, the main one included; results do not depend on it (default: min(shards, cores))' },
  { name: 'seed', type: 'int', help: 'seed of the initial weights, batch order and augmentation (default: 1993)' },
  { name: 'out', type: 'string', help: 'output folder (default: models/<arch>-<dataset>); `--backbone <arch>` reads it there' },
  {
    name: 'from',
    type: 'string',
    help: 'start from a network trained by this command (its folder): no main epochs, only the STE phase on its weights; architecture, data and base classes are its own',
  },
  { name: 'fresh', type: 'boolean', help: 'start over, discarding a checkpoint or finished network in --out' },
  { name: 'backend', type: 'string', help: 'tensor backend: auto, webgpu, tensorflow, wasm, cpu (default: $GBM_BACKEND or auto)' },
];

/** Turn parsed options into a trainBackbone call (undefined flags keep the library's defaults). */
export function trainOptionsFrom(o: Opts): TrainBackboneOptions {
  const train: Partial<TrainConfig> = {};
  const map: [string, keyof TrainConfig][] = [
    ['epochs', 'epochs'],
    ['batch-size', 'batchSize'],
    ['optimizer', 'optimizer'],
    ['lr', 'lr'],
    ['momentum', 'momentum'],
    ['weight-decay', 'weightDecay'],
    ['schedule', 'schedule'],
    ['warmup-epochs', 'warmupEpochs'],
    ['augment', 'augment'],
    ['crop-pad', 'cropPad'],
    ['seed', 'seed'],
    ['shards', 'shards'],
  ];
  for (const [flag, key] of map) if (o[flag] !== undefined) (train as Record<string, unknown>)[key] = o[flag];
  const ste: Record<string, unknown> = {};
  for (const [flag, key] of [
    ['ste-epochs', 'epochs'],
    ['ste-lr', 'lr'],
    ['ste-levels', 'levels'],
    ['ste-percentile', 'percentile'],
    ['ste-head', 'head'],
  ])
    if (o[flag] !== undefined) ste[key] = o[flag];
  return {
    arch: o['arch'] as string,
    dataset: o['dataset'] as string,
    root: o['root'] as string | undefined,
    inputSize: o['input-size'] as number | undefined,
    width: o['width'] as number | undefined,
    bits: o['bits'] as number | undefined,
    stemStride: o['stem-stride'] as number | undefined,
    baseClasses: o['base-classes'] as number | undefined,
    orderSeed: o['order-seed'] as number | undefined,
    trainPerClass: o['train-per-class'] as number | undefined,
    valPerClass: o['val-per-class'] as number | undefined,
    train,
    ste,
    seed: o['seed'] as number | undefined,
    out: o['out'] as string | undefined,
    fresh: o['fresh'] as boolean | undefined,
    from: o['from'] as string | undefined,
    workers: o['workers'] as number | undefined,
    backend: o['backend'] as string | undefined,
  };
}

/** `gbm train-backbone`: train F on a scenario's base classes, as the paper does, and save it for `--backbone`. */
export const trainCommand: Command = {
  name: 'train-backbone',
  summary: 'train a feature extractor (ResNet-20/32/18 or a BNN) on the base classes, for --backbone',
  description:
    "Trains on the base classes of the dataset's class-incremental scenario only (seed-1993 order), as the paper\n" +
    'trains F, with SGD/Adam, a cosine schedule, crop+flip augmentation, a progress bar per epoch and validation on\n' +
    "the base classes' test images. A checkpoint is written after every epoch: run the same command again to resume.\n" +
    "The result (model.json + weights.bin in TF.js's weights-manifest format, and training.json) is used by\n" +
    "`gbm run --backbone <arch>` (or --backbone <folder>). A BNN's embedding is binary: run GBM on it with\n" +
    '--binarizer none (the default for a BNN backbone).',
  options: TRAIN_OPTIONS,
  async run(o) {
    const rec = await trainBackbone(trainOptionsFrom(o));
    if (rec.epochs.length === 0) return;
    const acc = rec.final.valAcc;
    console.log(
      `${rec.net.arch} on ${rec.data.dataset} (${rec.data.baseClasses} base classes, ${rec.data.trainImages} images): ` +
        `base-task val accuracy ${acc === null ? 'n/a' : `${(100 * acc).toFixed(2)} %`} after ${rec.epochs.length} epochs${rec.ste?.records.length ? ` + ${rec.ste.records.length} STE epochs` : ' (no STE phase)'}, ` +
        `${(rec.environment.seconds / 60).toFixed(1)} min; F deploys in ${(rec.deployedBits / 8 / 1024).toFixed(0)} KiB`,
    );
  },
};
