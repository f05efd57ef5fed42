import fs from 'node:fs';
import path from 'node:path';
import { SPLITS, type DatasetSpec, type Split } from '../data/dataset.js';
import type { BackboneSpec } from '../models/backbone.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { sha256, sha256File } from '../util/hash.js';

/** Version of the on-disk layout; bump it when the layout or the preprocessing changes. */
export const CACHE_FORMAT = 'gbm-features/1';

/** Which images a feature set covers: all, or some classes and the first images of each. */
export interface Subset {
  /** Class indices to keep (default: all). */
  classes?: number[];
  /** Keep at most this many train images per class, in canonical order. */
  trainPerClass?: number;
  /** Keep at most this many test images per class, in canonical order. */
  testPerClass?: number;
}

/** What identifies a feature set: same key, same features. */
export interface FeatureKey {
  format: string;
  dataset: Pick<DatasetSpec, 'name' | 'fingerprint'>;
  backbone: Pick<BackboneSpec, 'name' | 'fingerprint' | 'inputSize'>;
  subset: Subset | null;
  /** Present (true) when images that cannot be decoded are left out instead of stopping the extraction. */
  skipBadImages?: true;
}

/** meta.json of a complete cache entry: its key, what it holds and how it was made. */
export interface FeatureMeta {
  key: FeatureKey;
  /** Dataset location when extracted (informative only). */
  datasetPath: string;
  classNames: string[];
  featureDim: number;
  splits: Record<Split, { count: number; sha256: string; labelsSha256: string }>;
  /** Caveats carried from the dataset and the backbone (e.g. ImageNet overlap). */
  notes: string[];
  /** Images left out because they could not be decoded (with --skip-bad-images): split, name and the reader's message. */
  skippedImages?: Array<{ split: Split; message: string }>;
  /** The backbone's own size when deployed and whether its embedding is already bits (trained networks record both). */
  backboneInfo?: { deployedBits?: number; binaryCodes?: boolean };
  createdAt: string;
  extraction: { backend: string; workers: number; seconds: number; imagesPerSecond: number };
}

/** Features and labels of one split, row-major [count x dim]. */
export interface SplitFeatures {
  features: Float32Array;
  labels: Int32Array;
  count: number;
  dim: number;
}

/** A loaded feature set: both splits and the metadata that names their source. */
export interface FeatureSet {
  meta: FeatureMeta;
  dir: string;
  train: SplitFeatures;
  test: SplitFeatures;
}

/** The cache folder of a key: readable name plus a hash of the full key. */
export function entryDir(root: string, key: FeatureKey): string {
  const tag = `${key.dataset.name}-${key.backbone.name}-${key.backbone.inputSize}${key.subset ? '-subset' : ''}`;
  return path.join(root, 'features', `${tag}-${sha256(JSON.stringify(key)).slice(0, 12)}`);
}

const featFile = (dir: string, split: Split) => path.join(dir, `${split}.f32`);
const labelFile = (dir: string, split: Split) => path.join(dir, `${split}.labels.i32`);

function asBytes(a: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function readTyped<T extends Float32Array | Int32Array>(file: string, Ctor: { new (b: ArrayBuffer): T }): T {
  const buf = fs.readFileSync(file);
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  return new Ctor(copy);
}

/**
 * Load a complete cache entry if, and only if, it matches `key` and its files match meta.json (sizes and
 * sha256); returns the reason it cannot be used otherwise.
 */
export function loadEntry(dir: string, key: FeatureKey): FeatureSet | { invalid: string } {
  const metaPath = path.join(dir, 'meta.json');
  if (!fs.existsSync(metaPath)) return { invalid: 'no meta.json (never finished)' };
  let meta: FeatureMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as FeatureMeta;
  } catch {
    return { invalid: 'meta.json is not valid JSON' };
  }
  if (JSON.stringify(meta.key) !== JSON.stringify(key)) return { invalid: 'meta.json describes other data, backbone or format' };
  const out: Partial<Record<Split, SplitFeatures>> = {};
  for (const split of SPLITS) {
    const s = meta.splits?.[split];
    const ff = featFile(dir, split);
    const lf = labelFile(dir, split);
    if (!s || !fs.existsSync(ff) || !fs.existsSync(lf)) return { invalid: `${split} files missing` };
    if (fs.statSync(ff).size !== s.count * meta.featureDim * 4 || fs.statSync(lf).size !== s.count * 4) {
      return { invalid: `${split} file sizes differ from meta.json` };
    }
    if (sha256File(ff) !== s.sha256 || sha256File(lf) !== s.labelsSha256) return { invalid: `${split} checksum differs from meta.json` };
    out[split] = { features: readTyped(ff, Float32Array), labels: readTyped(lf, Int32Array), count: s.count, dim: meta.featureDim };
  }
  return { meta, dir, train: out.train!, test: out.test! };
}

/** Write a split's final files atomically and return their checksums for meta.json. */
export function writeSplit(dir: string, split: Split, features: Float32Array, labels: Int32Array): { sha256: string; labelsSha256: string } {
  const fb = asBytes(features);
  const lb = asBytes(labels);
  writeFileAtomic(featFile(dir, split), fb);
  writeFileAtomic(labelFile(dir, split), lb);
  return { sha256: sha256(fb), labelsSha256: sha256(lb) };
}

/** Write meta.json last: its presence is what marks an entry complete. */
export function writeMeta(dir: string, meta: FeatureMeta): void {
  writeJsonAtomic(path.join(dir, 'meta.json'), meta);
}

/**
 * Folder of finished chunks of unfinished extractions, shared by every cache entry: a chunk is named by what it
 * holds (backbone, split, and the identity of each of its images), so after a bad file is fixed (which changes an
 * image folder's fingerprint, and so its entry) the chunks of the unchanged images are found again.
 */
export function chunksDir(root: string): string {
  return path.join(root, 'features', 'chunks');
}

/** The name of a chunk holding these images under this backbone. */
export function chunkName(backbone: FeatureKey['backbone'], split: Split, imageIds: string[]): string {
  return sha256(JSON.stringify([CACHE_FORMAT, backbone, split, imageIds])).slice(0, 32);
}

const chunkPath = (root: string, name: string) => path.join(chunksDir(root), `${name}.f32`);

/** A finished chunk's features, or null when it is absent or of the wrong size (then it is redone). */
export function readChunk(root: string, name: string, expectedFloats: number): Float32Array | null {
  const f = chunkPath(root, name);
  if (!fs.existsSync(f) || fs.statSync(f).size !== expectedFloats * 4) return null;
  return readTyped(f, Float32Array);
}

/** Save one finished chunk atomically. */
export function writeChunk(root: string, name: string, features: Float32Array): void {
  writeFileAtomic(chunkPath(root, name), asBytes(features));
}

/** Delete the chunks an extraction used, once its entry is complete. */
export function removeChunks(root: string, names: string[]): void {
  for (const n of names) fs.rmSync(chunkPath(root, n), { force: true });
}
