import type { ImageDataset, Split } from '../data/dataset.js';
import type { RawImage } from '../data/image.js';
import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { imagesToBatch, type Backbone } from '../models/backbone.js';

/** An image that could not be read: its position in the embedded list, and the reader's one-line message. */
export interface BadImage {
  position: number;
  message: string;
}

/** A black 1x1 image standing in for one that could not be decoded (its row is never used). */
const PLACEHOLDER: RawImage = { width: 1, height: 1, channels: 3, data: new Uint8Array(3) };

/**
 * Embed the given images of a split in batches (decode, preprocess, forward); returns [indices.length x D] and the
 * images that could not be decoded (their rows hold a placeholder's features), so one pass finds every bad file.
 * Reads back asynchronously (GPU backends in Node have no sync readback).
 */
export async function embedImages(
  dataset: ImageDataset,
  backbone: Backbone,
  split: Split,
  indices: ArrayLike<number>,
  batchSize: number,
): Promise<{ features: Float32Array; bad: BadImage[] }> {
  const dim = backbone.featureDim;
  const out = new Float32Array(indices.length * dim);
  const bad: BadImage[] = [];
  for (let start = 0; start < indices.length; start += batchSize) {
    const end = Math.min(indices.length, start + batchSize);
    const images: RawImage[] = [];
    for (let i = start; i < end; i++) {
      try {
        images.push(dataset.image(split, indices[i]));
      } catch (e) {
        if (!(e instanceof GbmError)) throw e;
        bad.push({ position: i, message: e.message });
        images.push(PLACEHOLDER);
      }
    }
    const feats = tf.tidy(() => backbone.embed(imagesToBatch(images, backbone.spec.inputSize)));
    out.set((await feats.data()) as Float32Array, start * dim);
    feats.dispose();
  }
  return { features: out, bad };
}
