import fs from 'node:fs';
import path from 'node:path';
import { readNpy, type NpyArray } from '../data/npy.js';
import { GbmError } from '../util/errors.js';
import { CACHE_FORMAT, type FeatureSet, type SplitFeatures } from './cache.js';

/** The file layouts `--features DIR` accepts. */
export const EXTERNAL_LAYOUTS = [
  'DIR/{train,test}_features.npy + DIR/{train,test}_labels.npy',
  'DIR/features.npy + DIR/labels.npy + split files DIR/train_idx.npy, DIR/test_idx.npy (row indices)',
];

function asFeatures(a: NpyArray, file: string): { x: Float32Array; n: number; d: number } {
  if (a.shape.length !== 2)
    throw new GbmError(`${file} has shape (${a.shape.join(', ')}); features must be 2-D (rows, dims).`, 'reshape to (n, d) before saving.');
  if (!['<f4', '<f2', '|u1', '<u1'].includes(a.descr))
    throw new GbmError(`${file} has dtype ${a.descr}; features must be float32, float16 or uint8 bits.`, 'save x.astype(np.float32), or 0/1 bits as uint8.');
  const [n, d] = a.shape;
  if (a.data instanceof Uint8Array) {
    const i = a.data.findIndex((v) => v > 1);
    if (i >= 0)
      throw new GbmError(
        `${file} is uint8 but holds ${a.data[i]} at row ${Math.floor(i / d)}: uint8 features must be bits (0 or 1).`,
        'unpack packed bits with np.unpackbits, or save real features as float32.',
      );
  }
  const x = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new GbmError(`${file} holds ${x[bad]} at row ${Math.floor(bad / d)}, column ${bad % d}.`, 'remove or fix non-finite rows before saving.');
  return { x, n, d };
}

function asIndices(a: NpyArray, file: string, what: string): Int32Array {
  if (a.shape.length !== 1 || !(a.data instanceof Int32Array || ['|u1', '<u1'].includes(a.descr))) {
    throw new GbmError(
      `${file} must be a 1-D integer array of ${what} (got ${a.descr}, shape (${a.shape.join(', ')})).`,
      `save np.asarray(${what}, dtype=np.int64).`,
    );
  }
  const v = Int32Array.from(a.data);
  const neg = v.findIndex((x) => x < 0);
  if (neg >= 0) throw new GbmError(`${file} holds ${v[neg]} at index ${neg}; ${what} must be >= 0.`, `fix the ${what}.`);
  return v;
}

function split(x: Float32Array, d: number, labels: Int32Array, rows?: Int32Array): SplitFeatures {
  if (!rows) return { features: x, labels, count: labels.length, dim: d };
  const f = new Float32Array(rows.length * d);
  rows.forEach((r, i) => f.set(x.subarray(r * d, (r + 1) * d), i * d));
  return { features: f, labels: Int32Array.from(rows, (r) => labels[r]), count: rows.length, dim: d };
}

/**
 * Features computed elsewhere (a PyTorch backbone, a BNN...), read from .npy files in one of EXTERNAL_LAYOUTS,
 * checked (shapes, dtypes, label counts, finite values) and returned as a feature set the runner takes as is.
 */
export function loadExternalFeatures(dir: string): FeatureSet {
  const f = (name: string) => path.join(dir, name);
  let train: SplitFeatures;
  let test: SplitFeatures;
  if (fs.existsSync(f('train_features.npy'))) {
    const load = (s: 'train' | 'test') => {
      const feats = asFeatures(readNpy(f(`${s}_features.npy`)), f(`${s}_features.npy`));
      const labels = asIndices(readNpy(f(`${s}_labels.npy`)), f(`${s}_labels.npy`), 'labels');
      if (labels.length !== feats.n)
        throw new GbmError(
          `${f(`${s}_labels.npy`)} has ${labels.length} labels for ${feats.n} rows in ${f(`${s}_features.npy`)}.`,
          'save one label per feature row.',
        );
      return split(feats.x, feats.d, labels);
    };
    train = load('train');
    test = load('test');
  } else if (fs.existsSync(f('features.npy'))) {
    const feats = asFeatures(readNpy(f('features.npy')), f('features.npy'));
    const labels = asIndices(readNpy(f('labels.npy')), f('labels.npy'), 'labels');
    if (labels.length !== feats.n)
      throw new GbmError(`${f('labels.npy')} has ${labels.length} labels for ${feats.n} rows in ${f('features.npy')}.`, 'save one label per feature row.');
    const idx = (s: string) => {
      const v = asIndices(readNpy(f(`${s}_idx.npy`)), f(`${s}_idx.npy`), 'row indices');
      const out = v.findIndex((r) => r >= feats.n);
      if (out >= 0) throw new GbmError(`${f(`${s}_idx.npy`)} holds row ${v[out]}, but features.npy has ${feats.n} rows.`, 'fix the split file.');
      return v;
    };
    train = split(feats.x, feats.d, labels, idx('train'));
    test = split(feats.x, feats.d, labels, idx('test'));
  } else {
    throw new GbmError(`${dir} holds no features in a known layout.`, `use one of: ${EXTERNAL_LAYOUTS.join('; or ')}.`);
  }
  if (train.dim !== test.dim)
    throw new GbmError(`train features have ${train.dim} dims, test features ${test.dim} (${dir}).`, 'save both splits from the same backbone.');
  const classes = [...new Set(train.labels)].sort((a, b) => a - b);
  const missing = [...new Set(test.labels)].filter((c) => !classes.includes(c));
  if (missing.length)
    throw new GbmError(`test labels ${missing.slice(0, 5).join(', ')} never occur in the training labels (${dir}).`, 'every test class needs training rows.');
  return {
    dir,
    train,
    test,
    meta: {
      key: { format: CACHE_FORMAT, dataset: { name: 'npy', fingerprint: '' }, backbone: { name: 'external', fingerprint: '', inputSize: 0 }, subset: null },
      datasetPath: dir,
      classNames: classes.map(String),
      featureDim: train.dim,
      splits: { train: { count: train.count, sha256: '', labelsSha256: '' }, test: { count: test.count, sha256: '', labelsSha256: '' } },
      notes: [
        `features read from ${dir} (.npy): computed outside the kit; whether they are class-incremental-clean depends on how their backbone was trained.`,
      ],
      createdAt: new Date().toISOString(),
      extraction: { backend: 'none', workers: 0, seconds: 0, imagesPerSecond: 0 },
    },
  };
}
