import { binarizerSpec } from '../binarize/registry.js';
import type { BinarizerSpec } from '../binarize/binarizer.js';
import type { RunConfig } from '../cil/config.js';
import type { MethodSpec } from '../cil/method.js';
import { resolveFeatureKey, type FeatureSource } from '../features/extract.js';
import { methodSpec } from '../methods/registry.js';
import { resolveConfig, type RunConfigInput } from './config.js';

/**
 * A run with every name looked up once: the full config (defaults filled in, checked), the method and binarizer
 * specs, and the feature source located (dataset and weights found, cache key made; null for .npy features).
 * The runner, `gbm run`, sweeps and notebooks pass this object on instead of resolving names again.
 */
export interface ResolvedRun {
  readonly resolved: true;
  config: RunConfig;
  method: MethodSpec;
  /** The binarizer of a method that reads codes; null when it reads the features themselves. */
  binarizer: BinarizerSpec | null;
  source: FeatureSource | null;
}

/**
 * Resolve a run: config checked first (cheap, so bad options fail before any data is located), then the source,
 * unless `locate` is false (features supplied in memory by a notebook or test).
 */
export async function resolveRun(input: RunConfigInput | RunConfig, opts: { locate?: boolean } = {}): Promise<ResolvedRun> {
  const config = resolveConfig(input);
  const method = methodSpec(config.method.name);
  const binarizer = method.input === 'codes' ? binarizerSpec(config.binarizer.kind) : null;
  const source = config.features.path || opts.locate === false ? null : await resolveFeatureKey({ ...config.features });
  return { resolved: true, config, method, binarizer, source };
}

/** The same run with another seed (several seeds share everything else, the located source included). */
export function withSeed(run: ResolvedRun, seed: number): ResolvedRun {
  return { ...run, config: { ...run.config, seed } };
}

/** Whether a value is a ResolvedRun (the runner takes either one or a config input). */
export function isResolvedRun(x: unknown): x is ResolvedRun {
  return !!x && typeof x === 'object' && (x as ResolvedRun).resolved === true;
}
