import { GbmError } from '../util/errors.js';
import { numpyPermutation } from '../util/mt19937.js';

/** A class-incremental protocol: B base classes, then T tasks over the rest, in a seeded class order. */
export interface ScenarioConfig {
  /** Classes of the base (initial) task. */
  baseClasses: number;
  /** Incremental tasks after the base task. */
  tasks: number;
  /** Seed of the class order (`np.random.seed(seed); np.random.permutation(n)`; 1993 in PyCIL/FeTrIL/FeCAM). */
  orderSeed: number;
  /** Run even when a trained backbone saw some of the incremental classes (the results record which). */
  allowBackboneOverlap?: boolean;
  /**
   * 'few-shot': the base task with all its training images, then every incremental task N-way k-shot (N = its
   * classes, k = `shots` training images per class, the same images for every method and seed). Absent: every
   * task with all its images (the class-incremental protocol). Absent by default, so older configs keep their hash.
   */
  kind?: 'few-shot' | 'online';
  /** Few-shot: training images per new class after the base task (default FEW_SHOT_DEFAULT_SHOTS). */
  shots?: number;
  /**
   * Online: after the base task (learned as usual: it is what F and the binarizer were fitted on), every task's
   * training images arrive in mini-batches of `batch`, in one seeded order, each seen once; a method's memory learns
   * per batch (GBM: streaming EM, `em` float or integer, step exponent `alpha`).
   */
  stream?: StreamConfig;
}

/** The online scenario's stream: mini-batch size and how GBM's memory learns from it. */
export interface StreamConfig {
  batch: number;
  /** Gradient steps of the classifier on each mini-batch (online CL's "iterations per batch"). */
  steps: number;
  em: 'float' | 'integer';
  alpha: number;
}

/** Defaults of the online stream: batches of 10 (online CIL benchmarks use 10), one step each, stepwise EM at alpha 0.6. */
export const STREAM_DEFAULTS: StreamConfig = { batch: 10, steps: 1, em: 'float', alpha: 0.6 };

/**
 * The online scenario's mini-batches of one step's n training rows: one permutation seeded by the class-order seed
 * and the step (the same stream for every method and run seed), cut into batches of `batch` rows.
 */
export function streamBatches(n: number, batch: number, orderSeed: number, step: number): Int32Array[] {
  const order = Int32Array.from(numpyPermutation(n, (orderSeed * 7919 + step) % 2 ** 32));
  const out: Int32Array[] = [];
  for (let s = 0; s < n; s += batch) out.push(order.slice(s, Math.min(n, s + batch)));
  return out;
}

/** Scenario kinds `--scenario` takes ('class-incremental' is the default, stored as no kind). */
export const SCENARIO_KINDS = ['class-incremental', 'few-shot', 'online'] as const;

/** Shots per new class in a few-shot scenario unless --shots says otherwise (5, as the FSCIL benchmarks use). */
export const FEW_SHOT_DEFAULT_SHOTS = 5;

/**
 * Rows of a step's training data a few-shot scenario keeps: for each class, `shots` of its rows chosen by a
 * permutation seeded with the class-order seed and the class id, so every method and every run seed learns from the
 * same images (as FSCIL benchmarks fix their session lists). Rows of a class with fewer images are all kept.
 */
export function fewShotRows(labels: ArrayLike<number>, classIds: readonly number[], shots: number, orderSeed: number): Int32Array {
  const rowsOf = new Map<number, number[]>(classIds.map((c) => [c, []]));
  for (let i = 0; i < labels.length; i++) rowsOf.get(classIds[labels[i]])?.push(i);
  const out: number[] = [];
  for (const c of classIds) {
    const rows = rowsOf.get(c)!;
    const perm = numpyPermutation(rows.length, (orderSeed * 1000003 + c) % 2 ** 32);
    out.push(...perm.slice(0, shots).map((j) => rows[j]));
  }
  return Int32Array.from(out).sort();
}

/** Defaults of ScenarioConfig (TinyImageNet B100, 5 tasks of 20). */
export const SCENARIO_DEFAULTS: ScenarioConfig = { baseClasses: 100, tasks: 5, orderSeed: 1993 };

/** A concrete scenario: the class order and, per step (0 = base), the original class ids it brings. */
export interface Scenario {
  config: ScenarioConfig;
  /** order[position] = original class id; classifier outputs and memory keys are positions. */
  order: number[];
  /** steps[t] = positions of the classes that arrive at step t. */
  steps: number[][];
}

/**
 * Build the scenario over `numClasses` classes: the seeded order, the base step, then `tasks` steps as equal
 * as possible (earlier tasks take one class more when the rest does not divide).
 */
export function buildScenario(numClasses: number, config: ScenarioConfig): Scenario {
  const { baseClasses, tasks } = config;
  if (!Number.isInteger(baseClasses) || baseClasses < 1 || baseClasses > numClasses) {
    throw new GbmError(
      `base classes = ${baseClasses} must be between 1 and the ${numClasses} classes of the data.`,
      `pass e.g. --base-classes ${Math.max(1, Math.floor(numClasses / 2))} (half of them).`,
    );
  }
  const rest = numClasses - baseClasses;
  if (tasks === 0 && rest > 0) {
    throw new GbmError(
      `--tasks 0 leaves the ${rest} classes after the ${baseClasses} base classes unused.`,
      `pass --tasks 1 or more, or --base-classes ${numClasses} to run the base task alone.`,
    );
  }
  if (!Number.isInteger(tasks) || tasks < 0 || tasks > rest) {
    throw new GbmError(
      `${tasks} tasks cannot share the ${rest} classes left after ${baseClasses} base classes (more tasks than classes).`,
      `use at most ${rest} tasks, or fewer base classes.`,
    );
  }
  const order = numpyPermutation(numClasses, config.orderSeed);
  const steps: number[][] = [Array.from({ length: baseClasses }, (_, i) => i)];
  let next = baseClasses;
  for (let t = 0; t < tasks; t++) {
    const size = Math.floor(rest / tasks) + (t < rest % tasks ? 1 : 0);
    steps.push(Array.from({ length: size }, (_, i) => next + i));
    next += size;
  }
  return { config, order, steps };
}
