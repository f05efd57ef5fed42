import type { tf } from '../backend/tf.js';
import type { RunConfig } from './config.js';
import type { MT19937 } from '../util/mt19937.js';
import type { OptionDecl } from '../util/options.js';
import type { Progress } from '../util/progress.js';

/** What a method learns from: the binarizer's codes (binary, D') or the backbone's real features (F). */
export type MethodInput = 'codes' | 'features';

/** One step's training data, in the method's input space; labels are class positions in the scenario order. */
export interface StepData {
  step: number;
  /** This step's classes (positions in the class order). */
  newClasses: number[];
  /** Classes of earlier steps. */
  oldClasses: number[];
  /** Rows [n x dim] on the host (codes as 0/1 floats). */
  x: Float32Array;
  /** The same rows on the backend (owned by the runner, valid during learn()). */
  xTensor: tf.Tensor2D;
  y: Int32Array;
  n: number;
  dim: number;
}

/** What a step of a method measured, beyond accuracy. */
export interface StepStats {
  /** Mean training loss of the classifier's last epoch (NaN for methods without one). */
  trainLoss: number;
  /**
   * Whatever else the method measured this step, by name (GBM: emIterations, emLogLikelihood, emReseeds); carried to
   * results.json, steps.csv and sweep tables as they are, so a new method's statistics need no change elsewhere.
   */
  extra: Record<string, number>;
  /** Seconds spent updating the memory (EM, exemplar selection, statistics) and training the classifier. */
  seconds: { memory: number; train: number };
}

/** A class-incremental method, as the runner drives it: learn a step, predict, report its memory. */
export interface CilMethod {
  learn(d: StepData): Promise<StepStats>;
  /**
   * Learn a step from a stream (the online scenario): the step's rows arrive as `batches` (row indices into d.x, in
   * order), each seen once. Only methods whose spec says `online` have it.
   */
  learnStream?(d: StepData, batches: Int32Array[]): Promise<StepStats>;
  /** Predicted class position of each row [N x dim] (input space). */
  predict(x: tf.Tensor2D): Promise<Int32Array>;
  /** Bits the method keeps about past classes (its memory), after the last learn(). */
  memoryBits(): number;
  /** Write what the memory holds to a folder (methods with nothing to save may omit it). */
  save?(dir: string): void;
  dispose(): void;
}

/** What a method is given when a run starts. */
export interface MethodContext {
  config: RunConfig;
  /** Size of one input row (D' for codes, F for features). */
  dim: number;
  /** The run's random stream (each method draws child seeds from it, in a fixed order). */
  rng: MT19937;
  /** A progress bar (silent when the run is). */
  progress: (label: string, total: number) => Progress;
}

/** A method's option: its default and what it means (shown by `gbm run --help` and stored in results). */
export type MethodOption = OptionDecl;

/** A registered method: how to build it, what it reads, its options and the paper it comes from. */
export interface MethodSpec {
  name: string;
  /** One line for listings. */
  description: string;
  /** The paper the method (or bound) comes from, and how this kit follows it. */
  reference: string;
  input: MethodInput;
  /** True when the method trains the linear classifier G (its classifier options apply). */
  usesClassifier: boolean;
  /** True when the method's memory is GBM's (the memory.em / muBits options apply). */
  usesBmm: boolean;
  /** True when the method can learn from a stream (CilMethod.learnStream): it runs in the online scenario. */
  online?: boolean;
  options: Record<string, MethodOption>;
  /**
   * Config values the method fixes, by config path (gbm-k1: `memory.em.K` = 1): set on every run of it, a different
   * value asked for is refused, and sweeps drop the option for it.
   */
  pins?: Record<string, number | string>;
  create(ctx: MethodContext): CilMethod;
}

/** Row indices of each of a step's classes, in the order of d.newClasses. */
export function rowsByClass(d: StepData): Int32Array[] {
  const slot = new Map(d.newClasses.map((c, i) => [c, i] as const));
  const lists = d.newClasses.map(() => [] as number[]);
  d.y.forEach((c, i) => lists[slot.get(c)!].push(i));
  return lists.map((l) => Int32Array.from(l));
}
