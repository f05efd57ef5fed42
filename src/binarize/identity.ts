import type { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { BINARIZER_DEFAULTS, type Binarizer, type BinarizerSpec, type IdentityConfig } from './binarizer.js';

/** The identity binarizer for features that already are bits; checks that the base-task features are 0/1. */
export function identityBinarizer(config: IdentityConfig, features: Float32Array, n: number, d: number): Binarizer {
  const i = features.findIndex((v) => v !== 0 && v !== 1);
  if (i >= 0) {
    throw new GbmError(
      `binarizer "none" needs 0/1 features, but row ${Math.floor(i / d)}, column ${i % d} is ${features[i]}.`,
      'use --binarizer thermometer or heaviside for real-valued features.',
    );
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

/** "none" as a registered binarizer: features that already are bits (a BNN's embedding, 0/1 .npy features). */
export const IDENTITY_BINARIZER: BinarizerSpec = {
  kind: 'none',
  description: 'none: the features already are 0/1 bits (a BNN backbone, bits from --features)',
  options: {},
  defaults: BINARIZER_DEFAULTS.none,
  check: () => {},
  fit: async (c, d) => identityBinarizer(c as IdentityConfig, d.features, d.n, d.dim),
  tag: () => 'bits',
};
