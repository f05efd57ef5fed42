import type { tf } from '../backend/tf.js';

/** Thermometer code options (GBM_T): p levels per feature, range c calibrated on the base task. */
export interface ThermometerConfig {
  kind: 'thermometer';
  /** Levels p per feature (bits per feature); the paper finds p = 1 generally best. */
  levels: number;
  /** Percentile of base-task feature values taken as the clipping range c (per dimension or one global c). */
  percentile: number;
  /** 'per-dim': one c per feature dimension; 'global': one c for all. */
  scope: 'per-dim' | 'global';
}

/** Heaviside code options (GBM_H): a learned projection + sign, trained on the base task with the STE. */
export interface HeavisideConfig {
  kind: 'heaviside';
  /** Code length D'. */
  bits: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** No binarizer: the features already are bits (a BNN's embedding, uint8 bits from `--features`). */
export interface IdentityConfig {
  kind: 'none';
}

export type BinarizerConfig = ThermometerConfig | HeavisideConfig | IdentityConfig;

/** Defaults of each binarizer, in one place. */
export const BINARIZER_DEFAULTS: { thermometer: ThermometerConfig; heaviside: HeavisideConfig; none: IdentityConfig } = {
  // 75th percentile per dimension: the best of {50, 75, 95 per-dim; 99 global} on TinyImageNet/MobileNet base classes (README).
  thermometer: { kind: 'thermometer', levels: 1, percentile: 75, scope: 'per-dim' },
  heaviside: { kind: 'heaviside', bits: 256, epochs: 10, batchSize: 256, learningRate: 1e-3 },
  none: { kind: 'none' },
};

/** A fitted binarizer: real features in, binary codes out (0/1 float32, so they feed matMuls directly). */
export interface Binarizer {
  readonly config: BinarizerConfig;
  /** Input feature size F. */
  readonly inputDim: number;
  /** Code length D'. */
  readonly codeLength: number;
  /** Codes of features [N, F] -> [N, D'] in {0, 1}. */
  encode(features: tf.Tensor2D): tf.Tensor2D;
  /** Parameters as plain JSON (for results files and reloading). */
  state(): Record<string, unknown>;
  dispose(): void;
}
