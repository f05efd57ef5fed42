import { tf } from '../backend/tf.js';
import { thermometerSTE } from '../binarize/ste.js';
import { dense, INFERENCE, type Pass } from '../models/layers.js';
import type { TrainableNet } from '../models/net.js';
import { ParamStore } from '../models/params.js';

/**
 * A training phase's own path from images to class scores (e.g. the STE phase: F, the thermometer, a new head), with
 * the variables it trains and the new parameters it adds beside the network's.
 */
export interface LossPath {
  logits: (net: TrainableNet, x: tf.Tensor4D, pass: Pass) => tf.Tensor2D;
  /** Variables the optimizer updates, in a fixed order (gradients of every shard are combined in it). */
  variables: tf.Variable[];
  /** Parameters the phase adds (saved in its checkpoints; sent to workers after the network's). */
  extra: ParamStore;
  dispose(): void;
}

/**
 * The STE phase's path as plain data, so every worker thread of data-parallel training builds the same path on its
 * replica: per-feature thermometer ranges c, levels p, the head's seed, and whether F trains or only the head.
 */
export interface SteLossSpec {
  kind: 'ste';
  range: Float32Array;
  levels: number;
  seed: number;
  trainFeatures: boolean;
  /** The head's starting weights ([din x classes] kernel, bias); absent = drawn from `seed`. */
  head?: SteHeadInit;
}

/** Starting weights of the STE phase's head on the bits. */
export interface SteHeadInit {
  kernel: Float32Array;
  bias: Float32Array;
}

/** A phase description a worker thread can rebuild (today: the STE phase). */
export type PhaseSpec = SteLossSpec;

/**
 * The STE phase's path: F's features in inference mode (batch-norm moments frozen, its scale and shift trained), the
 * thermometer with its straight-through gradient, a linear head on the bits (fresh, or the spec's starting weights). The same spec gives the same
 * variables in the same order on every thread.
 */
export function buildLossPath(net: TrainableNet, spec: PhaseSpec): LossPath {
  const c = tf.tensor1d(spec.range);
  const extra = new ParamStore(spec.seed);
  const din = net.featureDim * spec.levels;
  const classes = net.config.numClasses;
  const head = dense(extra, 'ste_head', din, classes);
  if (spec.head) {
    if (spec.head.kernel.length !== din * classes || spec.head.bias.length !== classes)
      throw new Error(`STE head init has ${spec.head.kernel.length} + ${spec.head.bias.length} values, the head needs ${din * classes} + ${classes}`);
    const [kernel, bias] = extra.params.filter((p) => p.name.startsWith('ste_head/')).map((p) => p.variable);
    const init = spec.head;
    tf.tidy(() => {
      kernel.assign(tf.tensor2d(init.kernel, [din, classes]));
      bias.assign(tf.tensor1d(init.bias));
    });
  }
  const own = spec.trainFeatures ? net.params.params.filter((p) => p.trainable && !p.name.startsWith('head/')).map((p) => p.variable) : [];
  return {
    logits: (n, x) => head(thermometerSTE(n.features(x, INFERENCE), c, spec.levels)),
    variables: [...own, ...extra.trainable()],
    extra,
    dispose: () => {
      c.dispose();
      extra.dispose();
    },
  };
}
