import fs from 'node:fs';
import path from 'node:path';
import { initBackend, parseBackend } from '../backend/index.js';
import { environment } from '../backend/environment.js';
import { datasetProtocol, defaultInputSize, openDataset } from '../data/registry.js';
import { loadNet, netFingerprint, readNetJson, saveNet } from '../models/checkpoint.js';
import type { NetConfig, TrainableNet } from '../models/net.js';
import { buildNet, NETS } from '../models/nets.js';
import { defaultNetDir, valNote } from '../models/trained.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { numpyPermutation } from '../util/mt19937.js';
import { loadImageSet, type ImageSet } from './data.js';
import type { TrainingRecord } from './record.js';
import { defaultTrainWorkers } from './data-parallel.js';
import { steEpochsDefault, steFinetune, STE_DEFAULTS, type SteConfig } from './ste-phase.js';
import { checkTrainConfig, TRAIN_DEFAULTS, trainNet, type EpochRecord, type TrainConfig } from './trainer.js';

/** Everything `gbm train-backbone` takes; every field has a default (TRAIN_BACKBONE_DEFAULTS, archDefaults). */
export interface TrainBackboneOptions {
  arch: string;
  dataset: string;
  root?: string;
  inputSize?: number;
  width?: number;
  /** ResNets: stride of the stem (2 runs a 64x64 input at the cost of 32x32). */
  stemStride?: number;
  /** BNN embedding bits. */
  bits?: number;
  /** Base classes (default: the dataset's protocol) in the seed-`orderSeed` class order. */
  baseClasses?: number;
  orderSeed?: number;
  /** Only the first N training / validation images of each base class (quick runs, tests). */
  trainPerClass?: number;
  valPerClass?: number;
  train?: Partial<TrainConfig>;
  /** STE phase after training (epochs 0 = none). */
  ste?: Partial<SteConfig>;
  /** Seed of the initial weights (and, unless train.seed is given, of the batch order). */
  seed?: number;
  /** Output folder (default models/<arch>-<dataset>). */
  out?: string;
  /**
   * Start from this finished network (a folder written by trainBackbone): its architecture, data, base classes and main
   * epochs are taken from its record, no main epoch runs, and the STE phase runs on its weights.
   */
  from?: string;
  /** Start over even if the folder holds a checkpoint or a finished network. */
  fresh?: boolean;
  /** Threads computing the shards of each batch (default: min(shards, cores)); results do not depend on it. */
  workers?: number;
  backend?: string;
  progress?: boolean;
  /** Stop after this many epochs (tests simulate an interruption). */
  stopAfter?: number;
  log?: (line: string) => void;
}

/** Training defaults per architecture: SGD + cosine for ResNets (FeCAM's recipe), Adam for the binary network. */
export function archDefaults(arch: string): Partial<TrainConfig> {
  if (arch === 'bnn') return { optimizer: 'adam', lr: 0.005, weightDecay: 0, epochs: 10, augment: false };
  if (arch === 'resnet18') return { epochs: 200 };
  return {};
}

/** TrainBackboneOptions with every default filled in. */
export interface ResolvedTrainBackbone extends Omit<TrainBackboneOptions, 'train' | 'ste'> {
  inputSize: number;
  width: number;
  bits: number;
  baseClasses: number;
  orderSeed: number;
  train: TrainConfig;
  ste: SteConfig;
  seed: number;
  out: string;
  fresh: boolean;
  progress: boolean;
}

/** The options with every default filled in. */
export function resolveTrainBackbone(o: TrainBackboneOptions): ResolvedTrainBackbone {
  if (!NETS[o.arch]) throw new GbmError(`unknown architecture "${o.arch}".`, `use --arch ${Object.keys(NETS).join(' | ')}.`);
  const seed = o.seed ?? 1993;
  return {
    ...o,
    inputSize: o.inputSize ?? defaultInputSize(o.dataset),
    width: o.width ?? 1,
    bits: o.bits ?? 256,
    baseClasses: o.baseClasses ?? datasetProtocol(o.dataset, o.root).baseClasses,
    orderSeed: o.orderSeed ?? 1993,
    train: { ...TRAIN_DEFAULTS, seed, ...archDefaults(o.arch), ...o.train },
    ste: { ...STE_DEFAULTS, epochs: steEpochsDefault(o.arch), ...o.ste },
    seed,
    out: path.resolve(o.out ?? defaultNetDir(o.arch, o.dataset)),
    fresh: o.fresh ?? false,
    progress: o.progress ?? true,
  };
}

/** A folder as the log shows it: relative to the working folder when inside it (no machine paths in stored notebooks). */
function shown(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}

/** Refuse an output folder that cannot be written, before any long work. */
function assertWritable(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new GbmError(
      `cannot write to the output folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      'pass --out <a folder you can write to>.',
    );
  }
}

const FINAL_FILES = ['model.json', 'weights.bin', 'training.json'];

/**
 * Train a backbone on the base classes of a dataset's scenario (seed-1993 class order), as the paper trains F:
 * per-epoch checkpoints (an interrupted run resumes), then the optional STE phase, then the final network
 * (TF.js weights manifest + weights.bin) with its training record. Returns the record.
 */
export async function trainBackbone(input: TrainBackboneOptions): Promise<TrainingRecord> {
  const source = input.from ? readSource(input.from) : null;
  const o = resolveTrainBackbone(source ? { ...input, ...source.options } : input);
  if (source && path.resolve(o.out) === source.dir) throw new GbmError(`--out is the --from folder ${source.dir}.`, 'pass --out <a new folder>.');
  if (source && o.ste.epochs === 0) throw new GbmError('--from runs only the STE phase, and --ste-epochs is 0.', 'pass --ste-epochs 1 or more.');
  checkTrainConfig(o.train); // bad options fail before any folder is touched
  if (!Number.isInteger(o.ste.epochs) || o.ste.epochs < 0)
    throw new GbmError(`--ste-epochs ${o.ste.epochs} must be 0 or a positive integer.`, 'pass e.g. --ste-epochs 3.');
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const out = o.out;
  assertWritable(out);
  if (o.fresh) for (const f of [...FINAL_FILES, 'checkpoint', 'checkpoint-ste']) fs.rmSync(path.join(out, f), { recursive: true, force: true });
  const netConfigOf = (numClasses: number): NetConfig => ({
    arch: o.arch,
    inputSize: o.inputSize,
    numClasses,
    width: o.width,
    ...(o.arch === 'bnn' ? { bits: o.bits } : {}),
    ...(o.stemStride && o.stemStride !== 1 ? { stemStride: o.stemStride } : {}),
  });
  if (fs.existsSync(path.join(out, 'model.json'))) {
    const rec = readNetJson(out).training as TrainingRecord | undefined;
    if (
      rec &&
      // Shards left to the default (one per core) were recorded as the number used: not a difference.
      JSON.stringify(o.train.shards === undefined ? { ...rec.train, shards: undefined } : rec.train) === JSON.stringify(o.train) &&
      JSON.stringify(rec.net) === JSON.stringify(netConfigOf(o.baseClasses)) &&
      rec.data.dataset === o.dataset &&
      rec.from?.fingerprint === source?.fingerprint
    ) {
      log(`${shown(out)} already holds this network (trained ${rec.environment.date}); pass --fresh to train it again.`);
      return rec;
    }
    throw new GbmError(`${out} already holds a network trained with other options.`, 'pass --fresh to replace it, or --out <another folder>.');
  }

  const backend = await initBackend(parseBackend(o.backend ?? (process.env.GBM_BACKEND || 'auto')));
  // All cores by default on CPU backends: one shard of every batch per core (recorded in the training config).
  if (o.train.shards === undefined) o.train.shards = ['wasm', 'cpu'].includes(backend.name) ? defaultTrainWorkers() : 1;
  // Built first: an input size or width the network cannot take fails before minutes of decoding.
  const net: TrainableNet = source ? loadNet(source.dir, netConfigOf(o.baseClasses)).net : buildNet(netConfigOf(o.baseClasses), o.seed);
  if (source) log(`starting from ${shown(source.dir)} (${source.record.epochs.length} epochs, base-task val ${valNote(source.record)}): the STE phase only`);
  let ds: Awaited<ReturnType<typeof openDataset>>;
  try {
    ds = await openDataset(o.dataset, { root: o.root });
  } catch (err) {
    net.dispose();
    throw err;
  }
  let train: ImageSet;
  let val: ImageSet;
  let classIds: number[];
  try {
    const n = ds.classNames.length;
    if (!Number.isInteger(o.baseClasses) || o.baseClasses < 2 || o.baseClasses > n) {
      throw new GbmError(
        `--base-classes ${o.baseClasses} must be between 2 and the ${n} classes of ${o.dataset}.`,
        `pass e.g. --base-classes ${datasetProtocol(o.dataset, o.root).baseClasses}.`,
      );
    }
    classIds = numpyPermutation(n, o.orderSeed).slice(0, o.baseClasses);
    log(
      `training ${o.arch} on the ${o.baseClasses} base classes of ${o.dataset} (order seed ${o.orderSeed}) at ${o.inputSize}x${o.inputSize}, ${backend.name} backend -> ${shown(out)}`,
    );
    train = await loadImageSet(ds, 'train', classIds, o.inputSize, { perClass: o.trainPerClass, progress: o.progress });
    val = await loadImageSet(ds, 'test', classIds, o.inputSize, { perClass: o.valPerClass, progress: o.progress });
  } catch (err) {
    net.dispose();
    throw err;
  } finally {
    ds.close();
  }
  try {
    if (source && train.checksum !== source.record.data.trainChecksum)
      throw new GbmError(
        `the training images decoded here differ from those ${source.dir} was trained on (another dataset copy or --train-per-class).`,
        'use the dataset and --train-per-class it was trained with.',
      );
    const { records, resumedFrom } = source
      ? { records: source.record.epochs, resumedFrom: 0 }
      : await trainNet(net, train, val, o.train, {
          checkpointDir: path.join(out, 'checkpoint'),
          progress: o.progress,
          stopAfter: o.stopAfter,
          workers: o.workers,
          netSeed: o.seed,
        });
    if (resumedFrom > 0) log(`resumed from the checkpoint after epoch ${resumedFrom}`);
    if (records.length < o.train.epochs) {
      log(`stopped after epoch ${records.length} of ${o.train.epochs}; run the same command again to resume.`);
      return recordOf(records, undefined);
    }
    // Recorded either way, so a record without an STE phase says it was skipped (--ste-epochs 0).
    let ste: TrainingRecord['ste'] = { ...o.ste, records: [] };
    if (o.ste.epochs > 0) {
      const r = await steFinetune(net, train, val, o.ste, {
        checkpointDir: path.join(out, 'checkpoint-ste'),
        progress: o.progress,
        seed: o.train.seed,
        shards: o.train.shards,
        workers: o.workers,
        netSeed: o.seed,
      });
      ste = { ...o.ste, records: r.records };
    }
    const record = recordOf(records, ste);
    // Weights, then the record, then model.json last: a folder without model.json is never taken as finished.
    writeJsonAtomic(path.join(out, 'training.json'), record);
    await saveNet(net, out, record);
    for (const d of ['checkpoint', 'checkpoint-ste']) fs.rmSync(path.join(out, d), { recursive: true, force: true });
    return record;
  } finally {
    net.dispose();
  }

  function recordOf(records: EpochRecord[], ste: TrainingRecord['ste']): TrainingRecord {
    const all = ste?.records.length ? ste.records : records;
    const last = all[all.length - 1];
    return {
      format: 'gbm-training/1',
      net: net.config,
      initSeed: o.seed,
      train: o.train,
      ste,
      ...(source ? { from: { path: shown(source.dir), fingerprint: source.fingerprint } } : {}),
      data: {
        dataset: o.dataset,
        fingerprint: ds.spec.fingerprint,
        classIds,
        orderSeed: o.orderSeed,
        baseClasses: o.baseClasses,
        trainImages: train.count,
        valImages: val.count,
        trainChecksum: train.checksum,
      },
      epochs: records,
      final: { valAcc: last?.valAcc ?? null, valLoss: last?.valLoss ?? null, trainAcc: last?.trainAcc ?? NaN },
      deployedBits: net.deployedBits(),
      // Every epoch's time, summed over the processes of a resumed training (each process alone would count only its own).
      environment: { ...environment(backend), seconds: [...records, ...(ste?.records ?? [])].reduce((sum, r) => sum + r.seconds, 0) },
    };
  }
}

/** The finished network `--from` names: its folder, record, weights' fingerprint and the options its record fixes. */
function readSource(from: string): { dir: string; record: TrainingRecord; fingerprint: string; options: Partial<TrainBackboneOptions> } {
  const dir = path.resolve(from);
  const json = readNetJson(dir);
  const record = json.training as TrainingRecord | undefined;
  if (!record?.data?.classIds)
    throw new GbmError(
      `${path.join(dir, 'model.json')} holds no training record naming its base classes (an imported network?).`,
      'pass --from a folder written by gbm train-backbone.',
    );
  const t = json.modelTopology;
  return {
    dir,
    record,
    fingerprint: netFingerprint(dir, json),
    options: {
      arch: t.arch,
      dataset: record.data.dataset,
      inputSize: t.inputSize,
      width: t.width,
      ...(t.bits !== undefined ? { bits: t.bits } : {}),
      ...(t.stemStride !== undefined ? { stemStride: t.stemStride } : {}),
      baseClasses: record.data.baseClasses,
      orderSeed: record.data.orderSeed,
      seed: record.initSeed,
      train: record.train,
    },
  };
}
