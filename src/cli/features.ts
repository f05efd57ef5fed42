import { RUN_DEFAULTS } from '../run/config.js';
import { configFromOptions, optionHelp, sourceRunOptions } from '../run/options.js';
import { extractFeatures, FEATURE_DEFAULTS, type ExtractResult } from '../features/extract.js';
import type { Subset } from '../features/cache.js';
import type { Command, OptionSpec } from './args.js';

/**
 * Where the embeddings come from: shared by `gbm features` and `gbm run` (declared in the run's option table). No
 * parser defaults here (the help text names them), so that `gbm run --config file` keeps the file's values.
 */
export const SOURCE_OPTIONS: OptionSpec[] = sourceRunOptions().map((o) => ({ name: o.name, type: o.type, help: optionHelp(o) }));

/** Options of `gbm features`: the source, plus how to extract. */
export const FEATURE_OPTIONS: OptionSpec[] = [
  ...SOURCE_OPTIONS,
  { name: 'batch-size', type: 'int', default: FEATURE_DEFAULTS.batchSize, help: 'images per forward pass' },
  { name: 'workers', type: 'int', help: 'worker threads (default: one per core on CPU backends; 0 = this thread)' },
  { name: 'backend', type: 'string', help: 'tensor backend: auto, webgpu, tensorflow, wasm, cpu (default: $GBM_BACKEND or auto)' },
  { name: 'chunk-size', type: 'int', default: FEATURE_DEFAULTS.chunkSize, help: 'images per resumable chunk written to disk' },
];

type Opts = Record<string, string | number | boolean | undefined>;

/** The subset the --classes / --train-per-class / --test-per-class flags ask for (undefined when none is given). */
function subsetFromOptions(o: Opts): Subset | undefined {
  return configFromOptions({ classes: o['classes'], 'train-per-class': o['train-per-class'], 'test-per-class': o['test-per-class'] }).features?.subset;
}

/** Turn parsed feature options into an extractFeatures call. */
export async function featuresFromOptions(o: Opts): Promise<ExtractResult> {
  return extractFeatures({
    dataset: (o['dataset'] as string | undefined) ?? RUN_DEFAULTS.features.dataset,
    root: o['root'] as string | undefined,
    backbone: o['backbone'] as string | undefined,
    inputSize: o['input-size'] as number | undefined,
    batchSize: o['batch-size'] as number,
    workers: o['workers'] as number | undefined,
    chunkSize: o['chunk-size'] as number,
    backend: o['backend'] as string | undefined,
    subset: subsetFromOptions(o),
    skipBadImages: o['skip-bad-images'] === true,
  });
}

/** A short human summary of a feature set: where it came from, its size, and its caveats. */
export function featureSummary(r: ExtractResult, seconds: number): string {
  const m = r.meta;
  const how = r.fromCache
    ? `loaded from cache in ${seconds.toFixed(2)} s`
    : `extracted in ${m.extraction.seconds.toFixed(1)} s (${m.extraction.imagesPerSecond.toFixed(0)} img/s, ${m.extraction.workers} workers on ${m.extraction.backend})` +
      (r.resumedChunks ? `, resumed ${r.resumedChunks} finished chunks` : '');
  const zeroFrac = (f: Float32Array) => {
    let z = 0;
    for (const v of f) if (v === 0) z++;
    return z / Math.max(1, f.length);
  };
  const mean = (f: Float32Array) => {
    let s = 0;
    for (const v of f) s += v;
    return s / Math.max(1, f.length);
  };
  return [
    `dataset   ${m.key.dataset.name} (sha256 ${m.key.dataset.fingerprint.slice(0, 12)}..., ${m.classNames.length} classes) from ${m.datasetPath}`,
    `backbone  ${m.key.backbone.name} at ${m.key.backbone.inputSize}x${m.key.backbone.inputSize} (weights sha256 ${m.key.backbone.fingerprint.slice(0, 12)}...) -> ${m.featureDim}-d`,
    `features  train ${r.train.count} x ${r.train.dim}, test ${r.test.count} x ${r.test.dim}; ${how}`,
    `values    train mean ${mean(r.train.features).toFixed(3)}, ${(100 * zeroFrac(r.train.features)).toFixed(1)}% exactly zero`,
    `cache     ${r.dir}`,
    ...(m.skippedImages?.length ? [`skipped   ${m.skippedImages.length} images that could not be decoded (listed in meta.json)`] : []),
    ...m.notes.map((n) => `note      ${n}`),
  ].join('\n');
}

/** `gbm features`: extract (or load) the features of a dataset under a frozen backbone. */
export const featuresCommand: Command = {
  name: 'features',
  summary: "extract a dataset's embeddings under a frozen backbone into the cache (or load them)",
  description:
    'Embeds every image (all cores, progress bar) into data/cache/features/. A second run loads the cache;\n' +
    'an interrupted run resumes; a cache that does not match its metadata is rebuilt.',
  options: FEATURE_OPTIONS,
  async run(o) {
    const t0 = Date.now();
    const r = await featuresFromOptions(o);
    console.log(featureSummary(r, (Date.now() - t0) / 1000));
  },
};
