import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { decodeTensors, encodeTensors } from '../models/checkpoint.js';
import { INFERENCE, type Pass } from '../models/layers.js';
import type { TrainableNet } from '../models/net.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import type { ParamStore } from '../models/params.js';
import { MT19937 } from '../util/mt19937.js';
import { sgdMomentum } from './sgd.js';
import { Progress } from '../util/progress.js';
import { randomCropFlip } from './augment.js';
import { batchOf, type ImageSet } from './data.js';
import { defaultTrainWorkers, ShardWorkers } from './data-parallel.js';
import { combineShards, computeShard, shardRanges, type ShardResult } from './shards.js';
import { buildLossPath, type LossPath, type PhaseSpec } from './loss-path.js';

/** How a network is trained: plain JSON, stored in its checkpoints and training record. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  /** sgd = SGD with momentum and L2 weight decay (ResNets); adam (binary networks). */
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Learning rate per step: cosine from lr to 0 after a linear warm-up, or constant. */
  schedule: 'cosine' | 'constant';
  warmupEpochs: number;
  /** Random crop (pad `cropPad`) and horizontal flip. */
  augment: boolean;
  cropPad: number;
  /** Seed of the batch order and augmentation (the weights' seed is the network's). */
  seed: number;
  /**
   * Data parallelism: every batch is split into this many near-equal shards, each with its own batch-norm moments
   * (as each replica of data-parallel training sees them), and the shards' gradients are averaged, weighted by their
   * rows. The result does not depend on how many threads compute the shards (TrainOptions.workers). Absent = 1.
   */
  shards?: number;
}

/** Defaults of TrainConfig: FeCAM's recipe (SGD 0.1, momentum 0.9, weight decay 5e-4, batch 128), cosine schedule. */
export const TRAIN_DEFAULTS: TrainConfig = {
  epochs: 30,
  batchSize: 128,
  optimizer: 'sgd',
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: 'cosine',
  warmupEpochs: 1,
  augment: true,
  cropPad: 4,
  seed: 1993,
};

/** One epoch's numbers, as printed and stored in the training record. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  /** Mean cross-entropy over the epoch's batches (the weight-decay penalty is not part of it). */
  trainLoss: number;
  trainAcc: number;
  valLoss: number | null;
  valAcc: number | null;
  seconds: number;
  imgPerSec: number;
}

/** Check a TrainConfig before any work (bad values name the option). */
export function checkTrainConfig(c: TrainConfig): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new GbmError(`--${name} ${v} must be an integer of at least ${min}.`, `pass e.g. --${name} ${Math.max(min, 1)}.`);
  };
  int(c.epochs, 'epochs', 1);
  int(c.batchSize, 'batch-size', 2);
  int(c.cropPad, 'crop-pad', 0);
  if (c.shards !== undefined) {
    int(c.shards, 'shards', 1);
    if (c.shards > c.batchSize)
      throw new GbmError(`--shards ${c.shards} is more than the batch size ${c.batchSize}.`, 'use at most one shard per image, e.g. --shards 2.');
  }
  if (!(c.lr > 0)) throw new GbmError(`--lr ${c.lr} must be positive.`, 'pass e.g. --lr 0.1 (sgd) or 0.001 (adam).');
  if (!['sgd', 'adam'].includes(c.optimizer)) throw new GbmError(`--optimizer ${c.optimizer} is not known.`, 'use sgd or adam.');
  if (!['cosine', 'constant'].includes(c.schedule)) throw new GbmError(`--schedule ${c.schedule} is not known.`, 'use cosine or constant.');
  if (!(c.weightDecay >= 0)) throw new GbmError(`--weight-decay ${c.weightDecay} must be 0 or more.`, 'pass e.g. --weight-decay 5e-4.');
}

/** Learning rate at a fractional epoch position t in [0, epochs). */
export function learningRate(c: TrainConfig, t: number): number {
  if (c.schedule === 'constant') return c.lr;
  if (t < c.warmupEpochs) return (c.lr * (t + 1 / 1000)) / c.warmupEpochs;
  const span = Math.max(1e-9, c.epochs - c.warmupEpochs);
  return 0.5 * c.lr * (1 + Math.cos((Math.PI * (t - c.warmupEpochs)) / span));
}

/** The stream an epoch draws its order and augmentation from: a function of (seed, epoch) only, so a resumed run draws the same. */
function epochRng(seed: number, epoch: number): MT19937 {
  return new MT19937((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77)) >>> 0);
}

function makeOptimizer(c: TrainConfig): tf.Optimizer {
  return c.optimizer === 'sgd' ? sgdMomentum(c.lr, c.momentum, c.weightDecay) : tf.train.adam(c.lr);
}

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const sgd = opt as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof sgd.setLearningRate === 'function')
    sgd.setLearningRate(lr); // SGD and momentum
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** Loss and accuracy of a network on a set, in inference mode, in batches (through `logits`, default its own head). */
export async function evaluate(
  net: TrainableNet,
  set: ImageSet,
  batchSize = 256,
  logitsOf: (x: tf.Tensor4D) => tf.Tensor2D = (x) => net.logits(x, INFERENCE),
): Promise<{ loss: number; acc: number }> {
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < set.count; s += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, set.count - s) }, (_, k) => s + k);
    const both = tf.tidy(() => {
      const logits = logitsOf(batchOf(set, rows));
      const y = tf.tensor1d(
        rows.map((r) => set.labels[r]),
        'int32',
      );
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits, undefined, undefined, tf.Reduction.SUM);
      return tf.stack([ce, tf.cast(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')), 'float32')]);
    });
    const [l, c] = await both.data(); // one async readback per batch (WebGPU in Node has no synchronous one)
    both.dispose();
    loss += l;
    correct += c;
  }
  return { loss: loss / Math.max(1, set.count), acc: correct / Math.max(1, set.count) };
}

interface CheckpointJson {
  format: 'gbm-train-checkpoint/1';
  /** Epochs completed. */
  epoch: number;
  /** What must match for a resume: network config, training config, data checksum. */
  identity: unknown;
  records: EpochRecord[];
  bin: string;
  params: tf.io.WeightsManifestEntry[];
  optimizer: tf.io.WeightsManifestEntry[];
  /** Adam's running beta powers, restored exactly (tfjs recomputes them with pow, which can round differently). */
  accBeta?: [number, number];
}

const CKPT = 'checkpoint.json';

/** What a run's checkpoint must agree with to be resumed. */
function identityOf(net: TrainableNet, cfg: TrainConfig, train: ImageSet): unknown {
  return { net: net.config, train: cfg, data: train.checksum };
}

function differences(a: unknown, b: unknown, prefix = ''): string[] {
  if (typeof a === 'object' && a && typeof b === 'object' && b) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || 'value'];
}

function allParams(net: TrainableNet, extra?: ParamStore) {
  return [...net.params.params, ...(extra?.params.map((p) => ({ ...p, name: `extra/${p.name}` })) ?? [])];
}

async function saveCheckpoint(
  dir: string,
  epoch: number,
  identity: unknown,
  records: EpochRecord[],
  net: TrainableNet,
  opt: tf.Optimizer,
  extra?: ParamStore,
): Promise<void> {
  const optWeights = await opt.getWeights();
  const p = await encodeTensors(allParams(net, extra).map((q) => ({ name: q.name, tensor: q.variable })));
  const o = await encodeTensors(optWeights.map((w, i) => ({ name: `opt/${i}`, tensor: w.tensor })));
  const bin = `checkpoint-e${epoch}.bin`;
  writeFileAtomic(path.join(dir, bin), Buffer.concat([p.data, o.data]));
  const adam = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  const json: CheckpointJson = {
    format: 'gbm-train-checkpoint/1',
    epoch,
    identity,
    records,
    bin,
    params: p.specs,
    optimizer: o.specs,
    accBeta: adam.accBeta1 && adam.accBeta2 ? [(await adam.accBeta1.data())[0], (await adam.accBeta2.data())[0]] : undefined,
  };
  writeJsonAtomic(path.join(dir, CKPT), json);
  for (const f of fs.readdirSync(dir)) if (/^checkpoint-e\d+\.bin$/.test(f) && f !== bin) fs.rmSync(path.join(dir, f), { force: true });
}

async function loadCheckpoint(
  dir: string,
  identity: unknown,
  net: TrainableNet,
  opt: tf.Optimizer,
  extra?: ParamStore,
): Promise<{ epoch: number; records: EpochRecord[] } | null> {
  const file = path.join(dir, CKPT);
  if (!fs.existsSync(file)) return null;
  let json: CheckpointJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointJson;
  } catch (err) {
    throw new GbmError(`cannot read the checkpoint ${file}: ${(err as Error).message}.`, `delete ${dir} (or pass --fresh) to start over.`);
  }
  const diff = differences(json.identity, identity);
  if (diff.length) {
    throw new GbmError(
      `the checkpoint in ${dir} was made by another run (differs in ${diff.slice(0, 5).join(', ')}).`,
      'pass the same options to resume it, --fresh to start over in this folder, or another --out.',
    );
  }
  const data = fs.readFileSync(path.join(dir, json.bin));
  const pBytes = json.params.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const values = decodeTensors(json.params, data.subarray(0, pBytes), path.join(dir, json.bin));
  const optValues = decodeTensors(json.optimizer, data.subarray(pBytes), path.join(dir, json.bin));
  const own = new Map([...values].filter(([k]) => !k.startsWith('extra/')));
  net.params.assign(own, file);
  if (extra) extra.assign(new Map([...values].filter(([k]) => k.startsWith('extra/')).map(([k, v]) => [k.slice(6), v])), file);
  tf.dispose([...values.values()]);
  await opt.setWeights(json.optimizer.map((w) => ({ name: w.name, tensor: optValues.get(w.name)! })));
  tf.dispose([...optValues.values()]);
  const adam = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  if (json.accBeta && adam.accBeta1 && adam.accBeta2) {
    adam.accBeta1.assign(tf.scalar(json.accBeta[0]));
    adam.accBeta2.assign(tf.scalar(json.accBeta[1]));
  }
  return { epoch: json.epoch, records: json.records };
}

/** Options of trainNet beyond the TrainConfig. */
export interface TrainOptions {
  /** Folder for the per-epoch checkpoint (resume after an interruption); none = no checkpoints. */
  checkpointDir?: string;
  /** Progress bar per epoch (loss, accuracy, img/s, ETA); default on. */
  progress?: boolean;
  /** Stop after this many epochs in total (tests simulate an interruption with it). */
  stopAfter?: number;
  /** Called after each epoch (after its checkpoint is written). */
  onEpoch?: (r: EpochRecord) => void;
  /** Called after every optimizer step with its index in the epoch (benchmarks time steps with it). */
  onStep?: (step: number) => void;
  /**
   * A phase with its own path to the class scores instead of the network's head (the STE phase: thermometer in the
   * loop, a new head), as data: the trainer builds the path from it, and so does every worker thread when sharded.
   */
  phase?: PhaseSpec;
  /** Threads computing the shards of a batch (cfg.shards > 1), the main thread included (default: min(shards, cores)). */
  workers?: number;
  /** Seed the network was built with (the workers build their replicas from it, then take the main thread's weights). */
  netSeed?: number;
}

/**
 * Train a network on a labelled image set with mini-batch SGD/Adam, augmentation, a per-step learning-rate
 * schedule, validation after every epoch and a checkpoint after every epoch; a run pointed at a folder with a
 * checkpoint of the same run resumes from it and ends with the same weights as an uninterrupted run.
 */
export async function trainNet(
  net: TrainableNet,
  train: ImageSet,
  val: ImageSet | null,
  cfg: TrainConfig,
  opts: TrainOptions = {},
): Promise<{ records: EpochRecord[]; resumedFrom: number }> {
  checkTrainConfig(cfg);
  if (train.count < 2) throw new GbmError(`cannot train on ${train.count} image(s).`, 'use more classes or images per class.');
  const lossPath = opts.phase ? buildLossPath(net, opts.phase) : null;
  try {
    return await trainLoop(net, train, val, cfg, opts, lossPath);
  } finally {
    lossPath?.dispose();
  }
}

/** trainNet's epochs, on the network's own head or on a phase's path. */
async function trainLoop(
  net: TrainableNet,
  train: ImageSet,
  val: ImageSet | null,
  cfg: TrainConfig,
  opts: TrainOptions,
  lossPath: LossPath | null,
): Promise<{ records: EpochRecord[]; resumedFrom: number }> {
  const opt = makeOptimizer(cfg);
  const vars = lossPath?.variables ?? net.params.trainable();
  const identity = identityOf(net, cfg, train);
  let start = 0;
  let records: EpochRecord[] = [];
  if (opts.checkpointDir) {
    fs.mkdirSync(opts.checkpointDir, { recursive: true });
    const resumed = await loadCheckpoint(opts.checkpointDir, identity, net, opt, lossPath?.extra);
    if (resumed) ({ epoch: start, records } = resumed);
  }
  const resumedFrom = start;
  const logitsOf = lossPath?.logits ?? ((n: TrainableNet, x: tf.Tensor4D, pass: Pass) => n.logits(x, pass));
  const stepsPerEpoch = Math.ceil(train.count / cfg.batchSize);
  const end = Math.min(cfg.epochs, opts.stopAfter ?? cfg.epochs);
  const shards = cfg.shards ?? 1;
  // Threads for the shards: the main thread plus workers, CPU backends only (a GPU backend computes every shard itself).
  const cpuBackend = ['wasm', 'cpu'].includes(tf.getBackend());
  const threads = shards > 1 && cpuBackend ? Math.max(1, Math.min(shards, opts.workers ?? defaultTrainWorkers())) : 1;
  const pool =
    threads > 1 ? await ShardWorkers.start(threads - 1, { backend: tf.getBackend(), config: net.config, seed: opts.netSeed ?? 0, phase: opts.phase }) : null;
  try {
    for (let epoch = start; epoch < end; epoch++) {
      const rng = epochRng(cfg.seed, epoch);
      const order = Int32Array.from({ length: train.count }, (_, i) => i);
      rng.shuffle(order);
      const bar = opts.progress === false ? null : new Progress({ label: `epoch ${epoch + 1}/${cfg.epochs}`, total: train.count, unit: 'img' });
      const t0 = Date.now();
      let lossSum = 0;
      let correct = 0;
      let lr = cfg.lr;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const rows = order.subarray(b * cfg.batchSize, Math.min(train.count, (b + 1) * cfg.batchSize));
        lr = learningRate(cfg, epoch + b / stepsPerEpoch);
        setLearningRate(opt, lr);
        let l: number;
        let c: number;
        if (shards > 1) {
          ({ l, c } = await shardedStep(net, opt, lossPath, train, rows, cfg, rng, shards, pool));
        } else {
          const pass: Pass = { training: true, updates: [] };
          const both = tf.tidy(() => {
            const x0 = batchOf(train, rows);
            const x = cfg.augment ? randomCropFlip(x0, cfg.cropPad, rng) : x0;
            const y = tf.tensor1d(
              Array.from(rows, (r) => train.labels[r]),
              'int32',
            );
            let hits: tf.Scalar | null = null;
            const cost = opt.minimize(
              () => {
                const logits = logitsOf(net, x, pass);
                hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))) as tf.Scalar;
                // Weight decay is applied by SgdMomentum in the update, so the loss is the cross-entropy alone.
                return tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits) as tf.Scalar;
              },
              true,
              vars,
            )!;
            for (const u of pass.updates) u.variable.assign(u.value);
            const h = hits as tf.Scalar | null;
            const out = tf.stack([cost, h ? tf.cast(h, 'float32') : tf.scalar(0)]);
            h?.dispose();
            return out;
          });
          tf.dispose(pass.updates.map((u) => u.value));
          [l, c] = await both.data(); // async: WebGPU in Node has no synchronous readback
          both.dispose();
        }
        net.afterStep?.();
        opts.onStep?.(b);
        if (!Number.isFinite(l)) throw new GbmError(`training diverged at epoch ${epoch + 1}, step ${b + 1} (loss ${l}).`, `lower --lr (now ${cfg.lr}).`);
        lossSum += l * rows.length;
        correct += c;
        if (bar) {
          const seen = b * cfg.batchSize + rows.length;
          bar.status = `loss ${(lossSum / seen).toFixed(3)} acc ${((100 * correct) / seen).toFixed(1)}%`;
          bar.tick(rows.length);
        }
      }
      const seconds = (Date.now() - t0) / 1000;
      const v = val ? await evaluate(net, val, 256, lossPath ? (x) => lossPath.logits(net, x, INFERENCE) : undefined) : null;
      if (bar) {
        bar.status += v ? ` | val loss ${v.loss.toFixed(3)} acc ${(100 * v.acc).toFixed(1)}%` : '';
        bar.finish();
      }
      const rec: EpochRecord = {
        epoch: epoch + 1,
        lr,
        trainLoss: lossSum / train.count,
        trainAcc: correct / train.count,
        valLoss: v?.loss ?? null,
        valAcc: v?.acc ?? null,
        seconds,
        imgPerSec: train.count / seconds,
      };
      records = [...records, rec];
      if (opts.checkpointDir) await saveCheckpoint(opts.checkpointDir, epoch + 1, identity, records, net, opt, lossPath?.extra);
      opts.onEpoch?.(rec);
    }
  } finally {
    opt.dispose();
    await pool?.close();
  }
  return { records, resumedFrom };
}

/**
 * One step of sharded training: the augmented batch is cut into shards; the main thread computes its shards while
 * the workers compute theirs at the same weights; gradients and batch-norm running averages are averaged by rows
 * and the optimizer steps once. Returns the batch's mean loss and its correct predictions.
 */
async function shardedStep(
  net: TrainableNet,
  opt: tf.Optimizer,
  lossPath: LossPath | null,
  train: ImageSet,
  rows: Int32Array,
  cfg: TrainConfig,
  rng: MT19937,
  shards: number,
  pool: ShardWorkers | null,
): Promise<{ l: number; c: number }> {
  const x = tf.tidy(() => {
    const x0 = batchOf(train, rows);
    return cfg.augment ? randomCropFlip(x0, cfg.cropPad, rng) : x0;
  });
  const y = Int32Array.from(rows, (r) => train.labels[r]);
  const ranges = shardRanges(rows.length, shards);
  const threads = 1 + (pool?.size ?? 0);
  const per = x.shape[1] * x.shape[2] * x.shape[3];
  let results: ShardResult[];
  try {
    const xh = pool ? ((await x.data()) as Float32Array) : null;
    // Every parameter, the phase's own after the network's (the order the workers assign them in).
    const synced = [...net.params.params, ...(lossPath?.extra.params ?? [])];
    const weights = pool ? await Promise.all(synced.map(async (p) => (await p.variable.data()) as Float32Array)) : [];
    // Workers first (they run while the main thread computes its own shards).
    const remote = new Map(
      ranges
        .map((r, s) => [s, r] as const)
        .filter(([s]) => s % threads !== 0)
        .map(
          ([s, [a, b]]) =>
            [
              s,
              pool!.run((s % threads) - 1, {
                weights,
                x: xh!.slice(a * per, b * per),
                shape: [b - a, x.shape[1], x.shape[2], x.shape[3]],
                y: y.slice(a, b),
              }),
            ] as const,
        ),
    );
    const local = new Map<number, ShardResult>();
    for (let s = 0; s < ranges.length; s += threads) {
      const [a, b] = ranges[s];
      const xs = tf.slice(x, [a, 0, 0, 0], [b - a, -1, -1, -1]);
      local.set(s, await computeShard(net, xs, y.slice(a, b), lossPath ?? undefined));
      xs.dispose();
    }
    results = await Promise.all(ranges.map((_, s) => local.get(s) ?? remote.get(s)!));
  } finally {
    x.dispose();
  }
  const rowsOf = results.map((r) => r.rows);
  const grads = combineShards(
    results.map((r) => r.grads),
    rowsOf,
  );
  const updates = combineShards(
    results.map((r) => r.updates),
    rowsOf,
  );
  const vars = lossPath?.variables ?? net.params.trainable();
  const named = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i], v.shape) }));
  opt.applyGradients(named);
  tf.dispose(named.map((g) => g.tensor));
  const byName = new Map(net.params.params.map((p) => [p.name, p.variable] as const));
  results[0].updateNames.forEach((n, i) => {
    tf.tidy(() => byName.get(n)!.assign(tf.tensor(updates[i], byName.get(n)!.shape)));
  });
  const lossSum = results.reduce((a, r) => a + r.lossSum, 0);
  return { l: lossSum / rows.length, c: results.reduce((a, r) => a + r.hits, 0) };
}
