import type { tf } from '../backend/tf.js';
import type { OptionDecl } from '../util/options.js';

/** Thermometer code options (GBM_T): p levels per feature, range c calibrated on the base task. */
export type ThermometerConfig = {
  kind: 'thermometer';
  /** Levels p per feature (bits per feature); the paper finds p = 1 generally best. */
  levels: number;
  /** Percentile of base-task feature values taken as the clipping range c (per dimension or one global c). */
  percentile: number;
  /** 'per-dim': one c per feature dimension; 'global': one c for all. */
  scope: 'per-dim' | 'global';
};

/** Heaviside code options (GBM_H): a learned projection + sign, trained on the base task with the STE. */
export type HeavisideConfig = {
  kind: 'heaviside';
  /** Code length D'. */
  bits: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
};

/** No binarizer: the features already are bits (a BNN's embedding, uint8 bits from `--features`). */
export type IdentityConfig = {
  kind: 'none';
};

/**
 * A binarizer's config as a run stores it: its kind and its own fields (see its BinarizerSpec). Open, so that a new
 * binarizer is one file and one registry line; each binarizer reads it as its own typed config.
 */
export type BinarizerConfig = { kind: string } & Record<string, string | number>;

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
  /**
   * The same codes computed on the host from row-major features [n x F], where a binarizer has a cheap host form
   * (the thermometer: comparisons), bit for bit what encode gives; the runner prefers it (tfjs-wasm's broadcasting
   * comparisons took ~0.5 s for 50,000 rows).
   */
  encodeHost?(features: Float32Array, n: number): Float32Array;
  /** Parameters as plain JSON (for results files and reloading). */
  state(): Record<string, unknown>;
  dispose(): void;
}

/** What a binarizer is fitted on: the base task's features [n x dim] and labels (positions in [0, numClasses)). */
export interface BinarizerFitData {
  features: Float32Array;
  labels: Int32Array;
  n: number;
  dim: number;
  numClasses: number;
  seed: number;
  /** A folder where a binarizer may keep what it learned, to reuse it across runs (Heaviside); none = always fit afresh. */
  cacheDir?: string;
}

/**
 * A registered binarizer (`--binarizer KIND`): its options (flags and config fields under `binarizer.`), defaults,
 * checks, how it is fitted on the base task, and its tag in run names. Registered in BINARIZERS (registry.ts).
 */
export interface BinarizerSpec {
  kind: string;
  /** One line for help and listings. */
  description: string;
  /** Options a user sets with a flag of the same name; fields only a config file sets live in `defaults` alone. */
  options: Record<string, OptionDecl>;
  /** Every field of its config, kind included. */
  defaults: BinarizerConfig;
  /** Refuse bad values with an error that names the option and the fix. */
  check(c: BinarizerConfig): void;
  fit(c: BinarizerConfig, data: BinarizerFitData): Promise<Binarizer>;
  /** Its part of a run's name (e.g. thermo-p1), naming every option that changes results. */
  tag(c: BinarizerConfig): string;
}
