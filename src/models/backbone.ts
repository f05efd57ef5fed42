import type { RawImage } from '../data/image.js';
import { tf } from '../backend/tf.js';

/** Everything needed to load a backbone again in another thread: plain JSON. */
export interface BackboneSpec {
  /** Registry name, e.g. "mobilenet". */
  name: string;
  /** Folder or file the weights come from. */
  path: string;
  /** Square input size the images are resized to. */
  inputSize: number;
  /** Identity of the weights (sha256): features from other weights are never mixed up. */
  fingerprint: string;
}

/** A frozen feature extractor F: images in, one real-valued embedding per image out. */
export interface Backbone {
  readonly spec: BackboneSpec;
  /** Embedding size D. */
  readonly featureDim: number;
  /** Caveats for anyone reading results made with it. */
  readonly notes: readonly string[];
  /** True when the embedding is already 0/1 bits (a binary neural network): GBM then needs no binarizer. */
  readonly binaryCodes?: boolean;
  /** Bits the extractor itself occupies when deployed (binary weights 1 bit, real values 32), for memory accounting. */
  readonly deployedBits?: number;
  /** Embed a batch of preprocessed images [N, S, S, 3] in the backbone's input range; returns [N, D]. */
  embed(batch: tf.Tensor4D): tf.Tensor2D;
  /** Free the weights. */
  dispose(): void;
}

/**
 * Pack decoded images into one [N, S, S, 3] float batch scaled to [-1, 1]: gray is repeated over the three
 * channels and images of another size are resized bilinearly.
 */
export function imagesToBatch(images: readonly RawImage[], size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const sameShape = images.every((im) => im.width === images[0].width && im.height === images[0].height && im.channels === images[0].channels);
    let batch: tf.Tensor4D;
    if (sameShape) {
      const { width, height, channels } = images[0];
      const per = width * height * channels;
      const buf = new Uint8Array(images.length * per);
      images.forEach((im, i) => buf.set(im.data, i * per));
      batch = tf.tensor4d(buf, [images.length, height, width, channels], 'int32');
      if (channels === 1) batch = tf.tile(batch, [1, 1, 1, 3]);
      if (height !== size || width !== size) batch = tf.image.resizeBilinear(batch, [size, size]);
    } else {
      batch = tf.stack(images.map((im) => imagesToBatch([im], size).squeeze([0]))) as tf.Tensor4D;
      return batch;
    }
    return batch.toFloat().div(127.5).sub(1) as tf.Tensor4D;
  });
}
