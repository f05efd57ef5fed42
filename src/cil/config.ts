import type { BinarizerConfig } from '../binarize/binarizer.js';
import type { ClassifierConfig } from '../classifier/linear.js';
import type { Subset } from '../features/cache.js';
import type { EmConfig } from '../memory/em.js';
import type { MuBits } from '../memory/memory.js';
import type { ScenarioConfig } from './scenario.js';

/** Everything that defines a class-incremental run (GBM or any method): plain JSON, stored in every results file so any run can be redone. */
export interface RunConfig {
  /** Where the embeddings come from (see `gbm features`). */
  features: {
    dataset: string;
    backbone: string;
    inputSize?: number;
    root?: string;
    subset?: Subset;
    /** Leave out images that cannot be decoded (listed in the feature cache's meta.json); absent = stop on them. */
    skipBadImages?: boolean;
    /** A folder of .npy features computed elsewhere (see EXTERNAL_LAYOUTS); dataset and backbone are then 'npy' / 'external'. */
    path?: string;
  };
  scenario: ScenarioConfig;
  binarizer: BinarizerConfig;
  memory: { em: EmConfig; muBits: MuBits };
  classifier: ClassifierConfig;
  /** The method (see METHODS: gbm or a baseline) and its own options, defaults filled in. */
  method: { name: string; options: Record<string, number | string> };
  /** Seed of everything random in the run (EM initialisation, sampling, shuffles, weight init). */
  seed: number;
}
