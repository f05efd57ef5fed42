import { extractFeatures as extract, type FeatureOptions } from '../features/extract.js';
import { type RunOptions, runExperiment as run } from '../run/runner.js';
import { type SweepOptions, runSweep as sweep } from '../sweep/sweep.js';
import { trainBackbone as train } from '../train/train-backbone.js';

/**
 * The library's long calls as notebooks make them: their progress bar drawn as one output line updated in place
 * (`src/util/progress.ts`; the stored notebook keeps its last state) and their messages on stdout, since a stored
 * notebook must hold no stderr (`npm run check-notebooks`). Otherwise the same calls, options and results.
 */
const toStdout = (line: string) => console.log(line);

/** runExperiment with a live progress line, reporting on stdout. */
export function runExperiment(input: Parameters<typeof run>[0], opts: RunOptions = {}): ReturnType<typeof run> {
  return run(input, { progress: true, log: toStdout, ...opts });
}

/** extractFeatures with a live progress line, reporting on stdout. */
export function extractFeatures(opts: FeatureOptions): ReturnType<typeof extract> {
  return extract({ progress: true, log: toStdout, ...opts });
}

/** trainBackbone with a live progress line per epoch, reporting on stdout. */
export function trainBackbone(opts: Parameters<typeof train>[0]): ReturnType<typeof train> {
  return train({ progress: true, log: toStdout, ...opts });
}

/** runSweep with a live progress line, reporting on stdout. */
export function runSweep(spec: Parameters<typeof sweep>[0], opts: SweepOptions = {}): ReturnType<typeof sweep> {
  return sweep(spec, { progress: true, log: toStdout, ...opts });
}
