import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describeBackend, initBackend, parseBackend } from '../backend/index.js';
import { SPLITS, type DatasetSpec, type ImageDataset, type Split } from '../data/dataset.js';
import { cacheDir } from '../data/locate.js';
import { DATASETS, defaultBackbone, reopenDataset } from '../data/registry.js';
import type { BackboneSpec } from '../models/backbone.js';
import { loadBackbone, locateBackbone } from '../models/registry.js';
import { assertWritableDir } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { Progress } from '../util/progress.js';
import {
  CACHE_FORMAT,
  entryDir,
  loadEntry,
  chunkName,
  chunksDir,
  readChunk,
  removeChunks,
  writeChunk,
  writeMeta,
  writeSplit,
  type FeatureKey,
  type FeatureSet,
  type Subset,
} from './cache.js';
import { selectIndices } from './select.js';
import { embedImages, type BadImage } from './embed.js';
import type { WorkerInit, WorkerJob, WorkerReply } from './protocol.js';

/** Options of a feature extraction; every field has a default (see FEATURE_DEFAULTS). */
export interface FeatureOptions {
  /** Dataset name (see DATASETS). */
  dataset: string;
  /** Folder of an `imagefolder` dataset. */
  root?: string;
  /** Backbone name (see BACKBONES); default `defaultBackbone(dataset)`. */
  backbone?: string;
  /** Square input size; default per dataset (64 for TinyImageNet). */
  inputSize?: number;
  /** Only some classes / images (quick runs, notebooks). */
  subset?: Subset;
  /** Images per forward pass. */
  batchSize?: number;
  /** Worker threads; 0 runs in this thread. Default: one per core on CPU backends, 0 on GPU/native ones. */
  workers?: number;
  /** Images per resumable chunk. */
  chunkSize?: number;
  /** Cache root (default data/cache or $GBM_CACHE_DIR). */
  cacheRoot?: string;
  /** Tensor backend (default $GBM_BACKEND or auto). */
  backend?: string;
  /** Draw a progress bar on stderr. */
  progress?: boolean;
  /** Logger for one-line status messages (cache hit, rebuild reasons); default stderr. */
  log?: (line: string) => void;
  /** The source already located by resolveFeatureKey for these options (a resolved run): not located again. */
  resolved?: FeatureSource;
  /** Leave out images that cannot be decoded (listed in the cache's meta.json) instead of stopping. */
  skipBadImages?: boolean;
}

/** A feature source located: dataset and backbone specs (data and weights found), the cache key and folder. */
export interface FeatureSource {
  dataset: DatasetSpec;
  backbone: BackboneSpec;
  key: FeatureKey;
  dir: string;
}

/** Defaults of FeatureOptions, in one place. */
export const FEATURE_DEFAULTS = { batchSize: 128, chunkSize: 2500, progress: true } as const;

/** A feature set plus how it was obtained. */
export interface ExtractResult extends FeatureSet {
  fromCache: boolean;
  /** Chunks found finished on disk from an interrupted run. */
  resumedChunks: number;
  /** Chunks computed by this call. */
  computedChunks: number;
}

function validateSubset(subset: Subset | undefined, numClasses: number): void {
  if (!subset) return;
  for (const c of subset.classes ?? []) {
    if (!Number.isInteger(c) || c < 0 || c >= numClasses)
      throw new GbmError(`subset class ${c} is out of range 0..${numClasses - 1}.`, 'pick class indices of this dataset.');
  }
  for (const k of ['trainPerClass', 'testPerClass'] as const) {
    const v = subset[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new GbmError(`subset.${k} = ${v} must be a positive integer.`, `set ${k} to 1 or more.`);
  }
}

interface Job extends WorkerJob {
  /** Position of the chunk's first image in its split's selection. */
  start: number;
  /** The chunk's file name in the shared chunk folder (what it holds, not where). */
  name: string;
}

/** A chunk's features and the images in it that could not be decoded. */
interface Embedded {
  features: Float32Array;
  bad: BadImage[];
}

/** Run jobs on a pool of worker threads; each finished chunk is handed to onDone as it arrives. */
async function runPool(init: WorkerInit, jobs: Job[], workers: number, onDone: (job: Job, r: Embedded) => void): Promise<void> {
  const tsx = require.resolve('tsx/cjs');
  const script = path.join(__dirname, 'worker.ts');
  const pool: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = jobs.length;
      let failed = false;
      const fail = (e: Error) => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      const count = Math.min(workers, jobs.length);
      for (let w = 0; w < count; w++) {
        const worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true, workerData: init });
        pool.push(worker);
        const inFlight = new Map<number, Job>();
        const give = () => {
          if (next < jobs.length && !failed) {
            const job = jobs[next++];
            inFlight.set(job.id, job);
            worker.postMessage({ id: job.id, split: job.split, indices: job.indices } satisfies WorkerJob);
          }
        };
        worker.on('message', (m: WorkerReply) => {
          if (m.type === 'ready') {
            give();
            give();
            return;
          } // two in flight hide the message latency
          if (m.type === 'error') {
            fail(m.userError ? new GbmError(m.message) : new Error(`feature worker: ${m.message}`));
            return;
          }
          const job = inFlight.get(m.id)!;
          inFlight.delete(m.id);
          try {
            onDone(job, { features: m.features, bad: m.bad });
          } catch (e) {
            fail(e as Error);
            return;
          }
          if (--pending === 0) resolve();
          else give();
        });
        // An error thrown inside a worker can arrive without a message (wasm traps, non-Error values): say where it came from.
        worker.on('error', (e: unknown) =>
          fail(e instanceof Error && e.message ? e : new Error(`feature worker ${w} failed: ${e instanceof Error ? `${e.name} ${e.stack ?? ''}` : String(e)}`)),
        );
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`feature worker exited with code ${code}`));
        });
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** Run jobs in this thread (workers = 0): same code as the workers, no threads. */
async function runInline(init: WorkerInit, jobs: Job[], onDone: (job: Job, r: Embedded) => void): Promise<void> {
  await initBackend(init.backend);
  const dataset = reopenDataset(init.dataset);
  const backbone = await loadBackbone(init.backbone);
  try {
    for (const job of jobs) onDone(job, await embedImages(dataset, backbone, job.split, job.indices, init.batchSize));
  } finally {
    backbone.dispose();
    dataset.close();
  }
}

/** Resolve names to specs (locating or downloading data and weights) and the cache key, without extracting. */
export async function resolveFeatureKey(opts: FeatureOptions): Promise<FeatureSource> {
  const entry = DATASETS[opts.dataset];
  if (!entry) throw new GbmError(`unknown dataset "${opts.dataset}".`, `use one of: ${Object.keys(DATASETS).join(', ')}.`);
  const backboneName = opts.backbone ?? defaultBackbone(opts.dataset);
  const bspec = await locateBackbone(backboneName, opts.inputSize, opts.dataset);
  const dspec = await entry.locate({ root: opts.root });
  const key: FeatureKey = {
    format: CACHE_FORMAT,
    dataset: { name: dspec.name, fingerprint: dspec.fingerprint },
    backbone: { name: bspec.name, fingerprint: bspec.fingerprint, inputSize: bspec.inputSize },
    subset: opts.subset ?? null,
    ...(opts.skipBadImages ? { skipBadImages: true as const } : {}),
  };
  return { dataset: dspec, backbone: bspec, key, dir: entryDir(opts.cacheRoot ?? cacheDir(), key) };
}

/**
 * Features of every image of a dataset under a frozen backbone, from the cache when a matching entry exists,
 * else extracted on all cores with a progress bar and cached; an interrupted extraction resumes from its
 * finished chunks, and a data error leaves nothing behind.
 */
export async function extractFeatures(opts: FeatureOptions): Promise<ExtractResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backendName = parseBackend(opts.backend ?? (process.env.GBM_BACKEND || 'auto'));
  const cacheRoot = opts.cacheRoot ?? cacheDir();
  const { dataset: dspec, backbone: bspec, key, dir } = opts.resolved ?? (await resolveFeatureKey({ ...opts, cacheRoot }));

  const cached = loadEntry(dir, key);
  if (!('invalid' in cached)) return { ...cached, fromCache: true, resumedChunks: 0, computedChunks: 0 };
  if (fs.existsSync(path.join(dir, 'meta.json'))) {
    log(`feature cache ${dir} does not match its metadata (${cached.invalid}); rebuilding it.`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assertWritableDir(cacheRoot, 'cache');

  const dataset: ImageDataset = reopenDataset(dspec);
  const batchSize = opts.batchSize ?? FEATURE_DEFAULTS.batchSize;
  const chunkSize = opts.chunkSize ?? FEATURE_DEFAULTS.chunkSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new GbmError(`batch size ${batchSize} must be a positive integer.`, 'pass --batch-size 128.');
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new GbmError(`chunk size ${chunkSize} must be a positive integer.`, 'use the default.');
  validateSubset(opts.subset, dataset.classNames.length);
  const backend = await initBackend(backendName);
  const cpuBackend = backend.name === 'wasm' || backend.name === 'cpu';
  const workers = opts.workers ?? (cpuBackend ? os.availableParallelism() : 0);
  const init: WorkerInit = { dataset: dspec, backbone: bspec, backend: backend.name, batchSize };

  const selected = {} as Record<Split, Int32Array>;
  const labels = {} as Record<Split, Int32Array>;
  const imageIds = {} as Record<Split, (i: number) => string>;
  for (const split of SPLITS) {
    selected[split] = selectIndices(dataset.labels(split), opts.subset, split === 'train' ? opts.subset?.trainPerClass : opts.subset?.testPerClass);
    labels[split] = Int32Array.from(selected[split], (i) => dataset.labels(split)[i]);
    const ids = Array.from(selected[split], (i) => dataset.imageId?.(split, i) ?? `${dspec.fingerprint}/${split}/${i}`);
    imageIds[split] = (i) => ids[i];
  }
  const classNames = [...dataset.classNames];
  const datasetNotes = [...dataset.notes];
  dataset.close();

  // The feature size and caveats come from the backbone itself; then plan the chunks.
  const probe = await loadBackbone(bspec);
  const dim = probe.featureDim;
  const notes = [...datasetNotes, ...probe.notes];
  const backboneInfo = { deployedBits: probe.deployedBits, binaryCodes: probe.binaryCodes };
  probe.dispose();
  const features = {} as Record<Split, Float32Array>;
  const jobs: Job[] = [];
  const used: string[] = [];
  let resumedChunks = 0;
  let todoImages = 0;
  for (const split of SPLITS) {
    const n = selected[split].length;
    features[split] = new Float32Array(n * dim);
    for (let start = 0; start < n; start += chunkSize) {
      const end = Math.min(n, start + chunkSize);
      const idx = selected[split].subarray(start, end);
      const name = chunkName(
        key.backbone,
        split,
        Array.from({ length: end - start }, (_, j) => imageIds[split](start + j)),
      );
      used.push(name);
      const done = readChunk(cacheRoot, name, idx.length * dim);
      if (done) {
        features[split].set(done, start * dim);
        resumedChunks++;
      } else {
        jobs.push({ id: jobs.length, start, name, split, indices: idx });
        todoImages += idx.length;
      }
    }
  }
  const total = selected.train.length + selected.test.length;
  const tag = `${dspec.name} / ${bspec.name}@${bspec.inputSize}`;
  if (resumedChunks > 0) log(`resuming ${tag}: ${resumedChunks} chunks already extracted in ${chunksDir(cacheRoot)}`);
  log(`extracting ${tag} features: ${todoImages} images, ${Math.max(1, workers)} ${workers ? 'worker threads' : 'thread'} on ${describeBackend(backend)}`);

  const bar = new Progress({ label: 'features', total, unit: 'img', initial: total - todoImages, stream: opts.progress === false ? null : process.stderr });
  const t0 = Date.now();
  // Images that could not be decoded, by split and position in the selection: every one is found in this pass.
  const bad: Array<{ split: Split; position: number; message: string }> = [];
  let kept = resumedChunks;
  const onDone = (job: Job, r: Embedded) => {
    for (const b of r.bad) bad.push({ split: job.split, position: job.start + b.position, message: b.message });
    // A chunk with a bad image is kept only when bad images are skipped (their rows are dropped below).
    if (r.bad.length === 0 || opts.skipBadImages) {
      writeChunk(cacheRoot, job.name, r.features);
      kept++;
    }
    features[job.split].set(r.features, job.start * dim);
    bar.tick(job.indices.length);
  };
  try {
    if (workers > 0) await runPool(init, jobs, workers, onDone);
    else await runInline(init, jobs, onDone);
  } catch (err) {
    // Finished chunks stay in the shared chunk folder: a rerun resumes from them.
    if (err instanceof GbmError) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  bar.finish();
  if (bad.length && !opts.skipBadImages) {
    const shown = bad.slice(0, 10).map((b) => `  ${b.message}`);
    throw new GbmError(
      `${bad.length} image${bad.length > 1 ? 's' : ''} could not be decoded:\n${shown.join('\n')}${bad.length > 10 ? `\n  ... and ${bad.length - 10} more` : ''}\n`,
      `replace or remove ${bad.length > 1 ? 'them' : 'it'} and run again (the ${kept} finished chunks are kept and reused), or pass --skip-bad-images to leave ${bad.length > 1 ? 'them' : 'it'} out.`,
    );
  }
  if (bad.length) {
    // --skip-bad-images: drop the rows of the images that could not be decoded, and say which in meta.json.
    for (const split of SPLITS) {
      const drop = new Set(bad.filter((b) => b.split === split).map((b) => b.position));
      if (!drop.size) continue;
      const keep = Array.from(selected[split].keys()).filter((i) => !drop.has(i));
      const f = new Float32Array(keep.length * dim);
      keep.forEach((i, j) => f.set(features[split].subarray(i * dim, (i + 1) * dim), j * dim));
      features[split] = f;
      labels[split] = Int32Array.from(keep, (i) => labels[split][i]);
      selected[split] = Int32Array.from(keep, (i) => selected[split][i]);
    }
    log(
      `left out ${bad.length} image${bad.length > 1 ? 's' : ''} that could not be decoded (listed in meta.json): ${bad
        .slice(0, 3)
        .map((b) => b.message)
        .join('; ')}${bad.length > 3 ? '; ...' : ''}`,
    );
  }
  const seconds = (Date.now() - t0) / 1000;

  const splits = {} as Record<Split, { count: number; sha256: string; labelsSha256: string }>;
  for (const split of SPLITS) splits[split] = { count: selected[split].length, ...writeSplit(dir, split, features[split], labels[split]) };
  const meta = {
    key,
    datasetPath: dspec.path,
    classNames,
    featureDim: dim,
    splits,
    notes,
    backboneInfo,
    createdAt: new Date().toISOString(),
    extraction: { backend: backend.name, workers, seconds, imagesPerSecond: todoImages / Math.max(seconds, 1e-9) },
    ...(bad.length ? { skippedImages: bad.map((b) => ({ split: b.split, message: b.message })) } : {}),
  };
  writeMeta(dir, meta);
  removeChunks(cacheRoot, used);
  const split = (s: Split) => ({ features: features[s], labels: labels[s], count: selected[s].length, dim });
  return { meta, dir, train: split('train'), test: split('test'), fromCache: false, resumedChunks, computedChunks: jobs.length };
}
