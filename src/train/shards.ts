import { tf } from '../backend/tf.js';
import type { Pass } from '../models/layers.js';
import type { TrainableNet } from '../models/net.js';
import type { LossPath } from './loss-path.js';

/** What one shard of a batch contributes to a step: gradients of its mean loss, its batch-norm running-average updates, its loss and hits. */
export interface ShardResult {
  /** Gradient of the shard's mean cross-entropy for each trained variable, in the network's trainable() order (or the phase's). */
  grads: Float32Array[];
  /** New values of the variables batch norm updates (running mean and variance), in the order of `updateNames`. */
  updates: Float32Array[];
  /** Parameter names of `updates`. */
  updateNames: string[];
  /** Sum of the cross-entropy over the shard's rows, and its correct predictions. */
  lossSum: number;
  hits: number;
  rows: number;
}

/** Row ranges of `shards` near-equal contiguous parts of a batch of n rows (the first n % shards parts one row longer). */
export function shardRanges(n: number, shards: number): Array<[number, number]> {
  const s = Math.max(1, Math.min(shards, n));
  const base = Math.floor(n / s);
  const extra = n % s;
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < s; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push([start, start + len]);
    start += len;
  }
  return out;
}

/**
 * Forward and backward pass of one shard in training mode (batch norm on the shard's own moments, as each replica
 * of data-parallel training sees them), through the network's head or a phase's path: gradients of the shard's mean
 * loss, read back to the host.
 */
export async function computeShard(net: TrainableNet, x: tf.Tensor4D, y: Int32Array, lossPath?: LossPath): Promise<ShardResult> {
  const vars = lossPath?.variables ?? net.params.trainable();
  const pass: Pass = { training: true, updates: [] };
  const yT = tf.tensor1d(y, 'int32');
  let hitsT: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const logits = lossPath ? lossPath.logits(net, x, pass) : net.logits(x, pass);
    hitsT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), yT), 'float32'))) as tf.Scalar;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(yT, logits.shape[1]), logits) as tf.Scalar;
  }, vars);
  yT.dispose();
  const names = new Map(net.params.params.map((p) => [p.variable.name, p.name] as const));
  const [loss, hits] = await Promise.all([value.data(), (hitsT as unknown as tf.Scalar).data()]);
  const out: ShardResult = {
    grads: await Promise.all(vars.map(async (v) => (await grads[v.name].data()) as Float32Array)),
    updates: await Promise.all(pass.updates.map(async (u) => (await u.value.data()) as Float32Array)),
    updateNames: pass.updates.map((u) => names.get(u.variable.name)!),
    lossSum: loss[0] * y.length,
    hits: hits[0],
    rows: y.length,
  };
  tf.dispose([value, hitsT as unknown as tf.Scalar, ...Object.values(grads), ...pass.updates.map((u) => u.value)]);
  return out;
}

/** Weighted mean of the shards' arrays, each shard weighted by its share of the batch's rows (float64 accumulation). */
export function combineShards(parts: Float32Array[][], rows: number[]): Float32Array[] {
  const total = rows.reduce((a, b) => a + b, 0);
  return parts[0].map((_, k) => {
    const acc = new Float64Array(parts[0][k].length);
    parts.forEach((p, s) => {
      const w = rows[s] / total;
      const a = p[k];
      for (let i = 0; i < a.length; i++) acc[i] += w * a[i];
    });
    return Float32Array.from(acc);
  });
}
