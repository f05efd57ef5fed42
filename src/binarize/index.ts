import { tf } from '../backend/tf.js';
import type { Binarizer, BinarizerConfig } from './binarizer.js';
import { packBits } from './bitpack.js';
import { fitHeavisideCached } from './cache.js';
import { fitHeaviside } from './heaviside.js';
import { identityBinarizer } from './identity.js';
import { fitThermometer } from './thermometer.js';

export * from './binarizer.js';

/**
 * Fit a binarizer on base-task features [n x d] (calibrate a thermometer, or train a Heaviside projection).
 * With `cacheDir`, a trained Heaviside projection is reused by every run with the same config, seed and data.
 */
export async function fitBinarizer(config: BinarizerConfig, features: Float32Array, labels: Int32Array, n: number, d: number, numClasses: number, seed: number, cacheDir?: string): Promise<Binarizer> {
  if (config.kind === 'thermometer') return fitThermometer(config, features, n, d);
  if (config.kind === 'none') return identityBinarizer(config, features, n, d);
  return cacheDir ? fitHeavisideCached(cacheDir, config, features, labels, n, d, numClasses, seed) : fitHeaviside(config, features, labels, n, d, numClasses, seed);
}

/** Codes of features [n x F] packed 32 bits to a uint32 (row-major, wordsPerRow(codeLength) words a row): how codes are stored and shipped. */
export async function encodePacked(bin: Binarizer, features: Float32Array, n: number): Promise<Uint32Array> {
  const codes = tf.tidy(() => bin.encode(tf.tensor2d(features, [n, bin.inputDim])));
  const bits = await codes.data();
  codes.dispose();
  return packBits(bits, n, bin.codeLength);
}
