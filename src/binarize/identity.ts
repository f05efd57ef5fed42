import type { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import type { Binarizer, IdentityConfig } from './binarizer.js';

/** The identity binarizer for features that already are bits; checks that the base-task features are 0/1. */
export function identityBinarizer(config: IdentityConfig, features: Float32Array, n: number, d: number): Binarizer {
  const i = features.findIndex((v) => v !== 0 && v !== 1);
  if (i >= 0) {
    throw new GbmError(`binarizer "none" needs 0/1 features, but row ${Math.floor(i / d)}, column ${i % d} is ${features[i]}.`, 'use --binarizer thermometer or heaviside for real-valued features.');
  }
  return {
    config,
    inputDim: d,
    codeLength: d,
    encode: (x: tf.Tensor2D) => x.clone(),
    state: () => ({ kind: 'none', bits: d, checkedRows: n }),
    dispose: () => {},
  };
}
