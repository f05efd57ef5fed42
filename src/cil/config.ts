import { BINARIZER_DEFAULTS, type BinarizerConfig } from '../binarize/binarizer.js';
import { CLASSIFIER_DEFAULTS, type ClassifierConfig } from '../classifier/linear.js';
import type { Subset } from '../features/cache.js';
import { checkThermometerConfig } from '../binarize/thermometer.js';
import { checkEmConfig, EM_DEFAULTS, type EmConfig } from '../memory/em.js';
import { checkMuBits, type MuBits } from '../memory/memory.js';
import { GbmError } from '../util/errors.js';
import { SCENARIO_DEFAULTS, type ScenarioConfig } from './scenario.js';
import { datasetProtocol, defaultBackbone } from '../data/registry.js';
import { backboneIsBinary } from '../models/registry.js';
import { methodSpec, resolveMethodOptions } from '../baselines/registry.js';

/** Everything that defines a GBM run: plain JSON, stored in every results file so any run can be redone. */
export interface GbmConfig {
  /** Where the embeddings come from (see `gbm features`). */
  features: { dataset: string; backbone: string; inputSize?: number; root?: string; subset?: Subset;
    /** A folder of .npy features computed elsewhere (see EXTERNAL_LAYOUTS); dataset and backbone are then 'npy' / 'external'. */
    path?: string };
  scenario: ScenarioConfig;
  binarizer: BinarizerConfig;
  memory: { em: EmConfig; muBits: MuBits };
  classifier: ClassifierConfig;
  /** The method (see METHODS: gbm or a baseline) and its own options, defaults filled in. */
  method: { name: string; options: Record<string, number | string> };
  /** Seed of everything random in the run (EM initialisation, sampling, shuffles, weight init). */
  seed: number;
}

/**
 * The default experiment (what `npm start` runs): TinyImageNet B100 + 5 x 20, the committed ResNet-20 trained on the
 * base classes only, thermometer p=1, K=8, seed 1993. Another dataset's default backbone is `defaultBackbone(dataset)`.
 */
export const GBM_DEFAULTS: GbmConfig = {
  features: { dataset: 'tinyimagenet', backbone: defaultBackbone('tinyimagenet') },
  scenario: SCENARIO_DEFAULTS,
  binarizer: BINARIZER_DEFAULTS.thermometer,
  memory: { em: EM_DEFAULTS, muBits: 32 },
  classifier: CLASSIFIER_DEFAULTS,
  method: { name: 'gbm', options: {} },
  seed: 1993,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
/** A partial config; `replay: 'none'` is still read as `method: finetune` (results files from before methods existed). */
export type GbmConfigInput = DeepPartial<Omit<GbmConfig, 'method'>> & { method?: { name?: string; options?: Record<string, unknown> }; replay?: 'pseudo' | 'none' };

function protocolDefaults(dataset: string): Pick<ScenarioConfig, 'baseClasses' | 'tasks'> {
  const p = datasetProtocol(dataset);
  return { baseClasses: p.baseClasses, tasks: p.tasks[0] };
}

/** Defaults filled in, and every option checked, before any long work starts. */
export function resolveConfig(input: GbmConfigInput = {}): GbmConfig {
  // A binary network's embedding is already bits: no binarizer unless one is asked for (method.md, BNN variant).
  const dataset = input.features?.dataset ?? GBM_DEFAULTS.features.dataset;
  const backbone = input.features?.backbone ?? defaultBackbone(dataset);
  const binaryBackbone = !input.features?.path && backboneIsBinary(backbone, dataset);
  const kind = input.binarizer?.kind ?? (binaryBackbone ? 'none' : GBM_DEFAULTS.binarizer.kind);
  if (kind !== 'thermometer' && kind !== 'heaviside' && kind !== 'none') throw new GbmError(`unknown binarizer "${kind}".`, 'use thermometer, heaviside, or none for features that already are bits.');
  if (input.features?.path && input.features.subset) throw new GbmError('--classes / --train-per-class / --test-per-class do not apply to --features.', 'save the rows you want in the .npy files instead.');
  const cfg: GbmConfig = {
    features: (input.features?.path
      ? { dataset: 'npy', backbone: 'external', path: input.features.path }
      : { ...input.features, dataset, backbone }) as GbmConfig['features'],
    // B and T default to the dataset's protocol (CIFAR-100 B50, TinyImageNet B100, ...).
    scenario: { ...GBM_DEFAULTS.scenario, ...protocolDefaults(input.features?.path ? 'npy' : dataset), ...input.scenario },
    // Only the chosen binarizer's fields (a thermometer's levels mean nothing to Heaviside).
    binarizer: Object.fromEntries(Object.keys(BINARIZER_DEFAULTS[kind]).map((k) => [k, (input.binarizer as Record<string, unknown> | undefined)?.[k] ?? (BINARIZER_DEFAULTS[kind] as unknown as Record<string, unknown>)[k]])) as unknown as BinarizerConfig,
    memory: { em: { ...GBM_DEFAULTS.memory.em, ...input.memory?.em }, muBits: input.memory?.muBits ?? GBM_DEFAULTS.memory.muBits },
    classifier: { ...GBM_DEFAULTS.classifier, ...input.classifier },
    method: { name: '', options: {} },
    seed: input.seed ?? GBM_DEFAULTS.seed,
  };
  const spec = methodSpec(input.method?.name ?? (input.replay === 'none' ? 'finetune' : GBM_DEFAULTS.method.name));
  if (input.replay !== undefined && input.replay !== 'pseudo' && input.replay !== 'none') throw new GbmError(`replay "${input.replay}" is not known.`, 'use --method finetune for no replay.');
  cfg.method = { name: spec.name, options: resolveMethodOptions(spec, input.method?.options) };
  if (spec.name === 'gbm-k1') {
    if (input.memory?.em?.K !== undefined && input.memory.em.K !== 1) throw new GbmError(`method gbm-k1 is GBM with K = 1, but K = ${input.memory.em.K} was asked for.`, 'drop --K, or use --method gbm --K N.');
    cfg.memory.em.K = 1;
  }
  // G learns the base task from the base classes alone: one class is nothing to discriminate (tfjs would fail deep
  // inside with "oneHot: depth must be >= 2").
  const baseG = spec.usesClassifier && !(spec.name === 'fecam' && cfg.method.options['base-step'] === 'mahalanobis');
  if (baseG && cfg.scenario.baseClasses < 2) throw new GbmError(`--base-classes ${cfg.scenario.baseClasses}: method ${spec.name} trains a classifier on the base classes, which needs at least 2.`, 'pass --base-classes 2 or more.');
  checkEmConfig(cfg.memory.em);
  if (cfg.binarizer.kind === 'thermometer') checkThermometerConfig(cfg.binarizer);
  checkMuBits(cfg.memory.muBits);
  if (!['continue', 'reinit'].includes(cfg.classifier.perTask)) throw new GbmError(`classifier per-task mode "${cfg.classifier.perTask}" is not known.`, 'use continue or reinit.');
  if (!['adam', 'sgd'].includes(cfg.classifier.optimizer)) throw new GbmError(`optimizer "${cfg.classifier.optimizer}" is not known.`, 'use adam or sgd.');
  for (const [k, v] of [['epochs', cfg.classifier.epochs], ['batch size', cfg.classifier.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new GbmError(`classifier ${k} = ${v} must be a positive integer.`, `set it to 1 or more.`);
  }
  if (!Number.isInteger(cfg.seed) || cfg.seed < 0) throw new GbmError(`seed ${cfg.seed} must be a non-negative integer.`, 'use e.g. --seed 1993.');
  return cfg;
}
