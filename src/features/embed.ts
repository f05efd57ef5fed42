import type { ImageDataset, Split } from '../data/dataset.js';
import type { RawImage } from '../data/image.js';
import { tf } from '../backend/tf.js';
import { imagesToBatch, type Backbone } from '../models/backbone.js';

/** Embed the given images of a split in batches (decode, preprocess, forward); returns [indices.length x D]. Reads back asynchronously (GPU backends in Node have no sync readback). */
export async function embedImages(
  dataset: ImageDataset,
  backbone: Backbone,
  split: Split,
  indices: ArrayLike<number>,
  batchSize: number,
): Promise<Float32Array> {
  const dim = backbone.featureDim;
  const out = new Float32Array(indices.length * dim);
  for (let start = 0; start < indices.length; start += batchSize) {
    const end = Math.min(indices.length, start + batchSize);
    const images: RawImage[] = [];
    for (let i = start; i < end; i++) images.push(dataset.image(split, indices[i]));
    const feats = tf.tidy(() => backbone.embed(imagesToBatch(images, backbone.spec.inputSize)));
    out.set((await feats.data()) as Float32Array, start * dim);
    feats.dispose();
  }
  return out;
}
