import type { Binarizer, BinarizerConfig } from './binarizer.js';
import { fitHeaviside } from './heaviside.js';
import { fitThermometer } from './thermometer.js';

export * from './binarizer.js';

/** Fit a binarizer on base-task features [n x d] (calibrate a thermometer, or train a Heaviside projection). */
export async function fitBinarizer(config: BinarizerConfig, features: Float32Array, labels: Int32Array, n: number, d: number, numClasses: number, seed: number): Promise<Binarizer> {
  return config.kind === 'thermometer' ? fitThermometer(config, features, n, d) : fitHeaviside(config, features, labels, n, d, numClasses, seed);
}
