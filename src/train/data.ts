import { tf } from '../backend/tf.js';
import type { ImageDataset, Split } from '../data/dataset.js';
import { selectIndices } from '../features/select.js';
import { imagesToBatch } from '../models/backbone.js';
import { sha256 } from '../util/hash.js';
import { Progress } from '../util/progress.js';

/** Decoded training images held in memory as bytes: [count, size, size, 3] RGB, labels = positions in `classIds`. */
export interface ImageSet {
  images: Uint8Array;
  labels: Int32Array;
  count: number;
  size: number;
  /** Original dataset class ids, in label order. */
  classIds: number[];
  /** sha256 over the decoded bytes and labels: what the network was trained on. */
  checksum: string;
}

/**
 * Decode the images of some classes of a split, resized to `size` (gray repeated to RGB), as bytes: a TinyImageNet
 * base task (50,000 images at 64x64) takes 614 MB, where float32 would take four times that.
 */
export async function loadImageSet(
  ds: ImageDataset,
  split: Split,
  classIds: number[],
  size: number,
  opts: { perClass?: number; progress?: boolean } = {},
): Promise<ImageSet> {
  const position = new Map(classIds.map((c, i) => [c, i] as const));
  const all = ds.labels(split);
  const idx = selectIndices(all, { classes: classIds }, opts.perClass);
  const count = idx.length;
  const per = size * size * 3;
  const images = new Uint8Array(count * per);
  const labels = new Int32Array(count);
  const bar = opts.progress === false ? null : new Progress({ label: `decode ${split}`, total: count, unit: 'img' });
  const chunk = 256;
  for (let s = 0; s < count; s += chunk) {
    const ids = Array.from(idx.subarray(s, Math.min(count, s + chunk)));
    const raws = ids.map((i) => ds.image(split, i));
    const batch = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.add(imagesToBatch(raws, size), 1), 127.5)), 'int32'));
    const bytes = await batch.data(); // async: WebGPU in Node cannot read back synchronously
    batch.dispose();
    images.set(Uint8Array.from(bytes), s * per);
    ids.forEach((i, k) => {
      labels[s + k] = position.get(all[i])!;
    });
    bar?.tick(ids.length);
  }
  bar?.finish();
  const checksum = sha256(Buffer.concat([Buffer.from(images.buffer, images.byteOffset, images.byteLength), Buffer.from(labels.buffer)]));
  return { images, labels, count, size, classIds, checksum };
}

/** A float batch in [-1, 1] of the given rows (the backbones' input range). */
export function batchOf(set: ImageSet, rows: ArrayLike<number>): tf.Tensor4D {
  const per = set.size * set.size * 3;
  const buf = new Uint8Array(rows.length * per);
  for (let k = 0; k < rows.length; k++) buf.set(set.images.subarray(rows[k] * per, (rows[k] + 1) * per), k * per);
  return tf.tidy(() => tf.sub(tf.div(tf.tensor4d(buf, [rows.length, set.size, set.size, 3], 'int32'), 127.5), 1) as tf.Tensor4D);
}
