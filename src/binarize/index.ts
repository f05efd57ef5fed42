import { tf } from '../backend/tf.js';
import type { Binarizer, BinarizerConfig } from './binarizer.js';
import { packBits } from './bitpack.js';
import { binarizerSpec } from './registry.js';

export * from './binarizer.js';
export { BINARIZERS, binarizerSpec } from './registry.js';

/**
 * Fit a binarizer on base-task features [n x d] (calibrate a thermometer, or train a Heaviside projection).
 * With `cacheDir`, a trained Heaviside projection is reused by every run with the same config, seed and data.
 */
export async function fitBinarizer(
  config: BinarizerConfig,
  features: Float32Array,
  labels: Int32Array,
  n: number,
  d: number,
  numClasses: number,
  seed: number,
  cacheDir?: string,
): Promise<Binarizer> {
  return binarizerSpec(config.kind).fit(config, { features, labels, n, dim: d, numClasses, seed, cacheDir });
}

/** Codes of features [n x F] packed 32 bits to a uint32 (row-major, wordsPerRow(codeLength) words a row): how codes are stored and shipped. */
export async function encodePacked(bin: Binarizer, features: Float32Array, n: number): Promise<Uint32Array> {
  const codes = tf.tidy(() => bin.encode(tf.tensor2d(features, [n, bin.inputDim])));
  const bits = await codes.data();
  codes.dispose();
  return packBits(bits, n, bin.codeLength);
}
