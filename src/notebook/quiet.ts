import { extractFeatures as extract, type FeatureOptions } from '../features/extract.js';
import { type RunOptions, runExperiment as run } from '../run/runner.js';
import { trainBackbone as train } from '../train/train-backbone.js';

/**
 * The library's long calls as notebooks make them: no progress bars (a stored notebook would keep every redraw) and
 * their messages on stdout, since a stored notebook must hold no stderr (`npm run check-notebooks`). Otherwise the
 * same calls, options and results.
 */
const toStdout = (line: string) => console.log(line);

/** runExperiment without progress bars, reporting on stdout. */
export function runExperiment(input: Parameters<typeof run>[0], opts: RunOptions = {}): ReturnType<typeof run> {
  return run(input, { progress: false, log: toStdout, ...opts });
}

/** extractFeatures without progress bars, reporting on stdout. */
export function extractFeatures(opts: FeatureOptions): ReturnType<typeof extract> {
  return extract({ progress: false, log: toStdout, ...opts });
}

/** trainBackbone without progress bars, reporting on stdout. */
export function trainBackbone(opts: Parameters<typeof train>[0]): ReturnType<typeof train> {
  return train({ progress: false, log: toStdout, ...opts });
}
