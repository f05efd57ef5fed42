import { BINARIZER_DEFAULTS, type BinarizerConfig, type BinarizerSpec } from '../binarize/binarizer.js';
import { getPath, resolveDeclared, setPath } from '../util/options.js';
import { CLASSIFIER_DEFAULTS } from '../classifier/linear.js';
import { binarizerSpec } from '../binarize/registry.js';
import { checkEmConfig, EM_DEFAULTS } from '../memory/em.js';
import { checkMuBits } from '../memory/memory.js';
import { GbmError } from '../util/errors.js';
import { FEW_SHOT_DEFAULT_SHOTS, SCENARIO_DEFAULTS, SCENARIO_KINDS, STREAM_DEFAULTS, type ScenarioConfig } from '../cil/scenario.js';
import type { RunConfig } from '../cil/config.js';
import { datasetProtocol, defaultBackbone } from '../data/registry.js';
import { backboneIsBinary } from '../models/registry.js';
import { METHODS, methodSpec, resolveMethodOptions } from '../methods/registry.js';
import type { MethodSpec } from '../cil/method.js';

/**
 * The default experiment (what `npm start` runs): TinyImageNet B100 + 5 x 20, the committed ResNet-20 trained on the
 * base classes only with the STE phase, thermometer p=1, K=8, seed 1993. Another dataset's default backbone is `defaultBackbone(dataset)`.
 */
export const RUN_DEFAULTS: RunConfig = {
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
export type RunConfigInput = DeepPartial<Omit<RunConfig, 'method'>> & {
  method?: { name?: string; options?: Record<string, unknown> };
  replay?: 'pseudo' | 'none';
};

function protocolDefaults(dataset: string, root?: string): Pick<ScenarioConfig, 'baseClasses' | 'tasks'> {
  const p = datasetProtocol(dataset, root);
  return { baseClasses: p.baseClasses, tasks: p.tasks[0] };
}

/** A binarizer's config from its spec: every default field, the given values over them (declared options typed). */
function resolveBinarizer(spec: BinarizerSpec, given: Record<string, unknown> = {}): BinarizerConfig {
  const declared = resolveDeclared(
    spec.kind,
    spec.options,
    Object.fromEntries(
      Object.keys(spec.options)
        .filter((k) => given[k] !== undefined)
        .map((k) => [k, given[k]]),
    ),
  );
  return Object.fromEntries(
    Object.keys(spec.defaults).map((k) => [k, k === 'kind' ? spec.kind : k in declared ? declared[k] : (given[k] ?? spec.defaults[k])]),
  ) as BinarizerConfig;
}

/** Defaults filled in, and every option checked, before any long work starts. */
export function resolveConfig(input: RunConfigInput = {}): RunConfig {
  // A binary network's embedding is already bits: no binarizer unless one is asked for (method.md, BNN variant).
  const dataset = input.features?.dataset ?? RUN_DEFAULTS.features.dataset;
  const backbone = input.features?.backbone ?? defaultBackbone(dataset);
  const binaryBackbone = !input.features?.path && backboneIsBinary(backbone, dataset);
  const kind = input.binarizer?.kind ?? (binaryBackbone ? 'none' : RUN_DEFAULTS.binarizer.kind);
  const bspec = binarizerSpec(kind);
  if (input.features?.path && input.features.subset)
    throw new GbmError('--classes / --train-per-class / --test-per-class do not apply to --features.', 'save the rows you want in the .npy files instead.');
  const cfg: RunConfig = {
    features: (input.features?.path
      ? { dataset: 'npy', backbone: 'external', path: input.features.path }
      : { ...input.features, dataset, backbone }) as RunConfig['features'],
    // B and T default to the dataset's protocol (CIFAR-100 B50, TinyImageNet B100, ...).
    // (A partial stream is completed from STREAM_DEFAULTS by checkScenarioKind below.)
    scenario: {
      ...RUN_DEFAULTS.scenario,
      ...protocolDefaults(input.features?.path ? 'npy' : dataset, input.features?.root),
      ...(input.scenario as Partial<ScenarioConfig> | undefined),
    },
    // Only the chosen binarizer's fields (a thermometer's levels mean nothing to Heaviside), declared ones checked.
    binarizer: resolveBinarizer(bspec, input.binarizer as Record<string, unknown> | undefined),
    memory: { em: { ...RUN_DEFAULTS.memory.em, ...input.memory?.em }, muBits: input.memory?.muBits ?? RUN_DEFAULTS.memory.muBits },
    classifier: { ...RUN_DEFAULTS.classifier, ...input.classifier },
    method: { name: '', options: {} },
    seed: input.seed ?? RUN_DEFAULTS.seed,
  };
  const spec = methodSpec(input.method?.name ?? (input.replay === 'none' ? 'finetune' : RUN_DEFAULTS.method.name));
  if (input.replay !== undefined && input.replay !== 'pseudo' && input.replay !== 'none')
    throw new GbmError(`replay "${input.replay}" is not known.`, 'use --method finetune for no replay.');
  cfg.method = { name: spec.name, options: resolveMethodOptions(spec, input.method?.options) };
  for (const [p, v] of Object.entries(spec.pins ?? {})) {
    const asked = getPath(input, p);
    if (asked !== undefined && asked !== v)
      throw new GbmError(
        `method ${spec.name} fixes ${p} = ${v}, but ${asked} was asked for.`,
        `drop that option, or use another method (e.g. --method gbm for any K).`,
      );
    setPath(cfg as unknown as Record<string, unknown>, p, v);
  }
  // G learns the base task from the base classes alone: one class is nothing to discriminate (tfjs would fail deep
  // inside with "oneHot: depth must be >= 2").
  const baseG = spec.usesClassifier && !(spec.name === 'fecam' && cfg.method.options['base-step'] === 'mahalanobis');
  if (baseG && cfg.scenario.baseClasses < 2)
    throw new GbmError(
      `--base-classes ${cfg.scenario.baseClasses}: method ${spec.name} trains a classifier on the base classes, which needs at least 2.`,
      'pass --base-classes 2 or more.',
    );
  checkScenarioKind(cfg, spec);
  checkEmConfig(cfg.memory.em);
  bspec.check(cfg.binarizer);
  checkMuBits(cfg.memory.muBits);
  if (!['continue', 'reinit'].includes(cfg.classifier.perTask))
    throw new GbmError(`classifier per-task mode "${cfg.classifier.perTask}" is not known.`, 'use continue or reinit.');
  if (!['adam', 'sgd'].includes(cfg.classifier.optimizer)) throw new GbmError(`optimizer "${cfg.classifier.optimizer}" is not known.`, 'use adam or sgd.');
  for (const [k, v] of [
    ['epochs', cfg.classifier.epochs],
    ['batch size', cfg.classifier.batchSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new GbmError(`classifier ${k} = ${v} must be a positive integer.`, `set it to 1 or more.`);
  }
  if (!Number.isInteger(cfg.seed) || cfg.seed < 0) throw new GbmError(`seed ${cfg.seed} must be a non-negative integer.`, 'use e.g. --seed 1993.');
  return cfg;
}

/**
 * The scenario's kind, normalised and checked in place: 'class-incremental' is stored as no kind (older configs keep
 * their hash); few-shot gets its shots (default 5), and a mixture memory may not have more components than shots;
 * online gets its stream (defaults STREAM_DEFAULTS) and runs only methods that can learn from a stream.
 */
function checkScenarioKind(cfg: RunConfig, spec: MethodSpec): void {
  const sc = cfg.scenario as Omit<ScenarioConfig, 'kind'> & { kind?: string };
  if (sc.kind === 'class-incremental') delete sc.kind;
  if (sc.kind !== 'few-shot' && sc.shots !== undefined)
    throw new GbmError(`--shots ${sc.shots} applies to --scenario few-shot only.`, 'add --scenario few-shot, or drop --shots.');
  if (sc.kind !== 'online' && sc.stream !== undefined)
    throw new GbmError(
      '--stream-batch, --stream-steps, --stream-em and --stream-alpha apply to --scenario online only.',
      'add --scenario online, or drop them.',
    );
  if (sc.kind === undefined) return;
  if (!(SCENARIO_KINDS as readonly string[]).includes(sc.kind))
    throw new GbmError(`scenario "${sc.kind}" is not known.`, `use --scenario ${SCENARIO_KINDS.join(' | ')}.`);
  if (sc.kind === 'online') {
    const online = Object.values(METHODS)
      .filter((m) => m.online)
      .map((m) => m.name);
    if (!spec.online)
      throw new GbmError(
        `method ${spec.name} has no online version (it needs a whole task at once).`,
        `use --method ${online.join(' | ')} with --scenario online.`,
      );
    const st = { ...STREAM_DEFAULTS, ...sc.stream };
    sc.stream = st;
    if (!Number.isInteger(st.batch) || st.batch < 1)
      throw new GbmError(`--stream-batch ${st.batch} must be a positive integer.`, 'pass e.g. --stream-batch 10.');
    if (st.em !== 'float' && st.em !== 'integer') throw new GbmError(`--stream-em ${st.em} is not known.`, 'use --stream-em float | integer.');
    if (!(st.alpha > 0.5 && st.alpha <= 1)) throw new GbmError(`--stream-alpha ${st.alpha} must be in (0.5, 1].`, 'pass e.g. --stream-alpha 0.6.');
    return;
  }
  sc.shots ??= FEW_SHOT_DEFAULT_SHOTS;
  if (!Number.isInteger(sc.shots) || sc.shots < 1)
    throw new GbmError(`--shots ${sc.shots} must be a positive integer.`, `pass e.g. --shots ${FEW_SHOT_DEFAULT_SHOTS}.`);
  if (spec.usesBmm && cfg.memory.em.K > sc.shots)
    throw new GbmError(
      `few-shot with ${sc.shots} shots: a mixture of K = ${cfg.memory.em.K} components cannot be fitted to ${sc.shots} codes per new class.`,
      `pass --K ${sc.shots} or fewer (e.g. --K 1), or more --shots.`,
    );
}
