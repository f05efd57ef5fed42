import { tf } from '../backend/tf.js';
import { MT19937 } from '../util/mt19937.js';
import { CLASSIFIER_DEFAULTS, LinearClassifier, type ClassifierConfig } from './linear.js';

/** Inputs of a linear probe: row-major train and test matrices with integer labels in [0, numClasses). */
export interface ProbeData {
  xTrain: Float32Array;
  yTrain: Int32Array;
  xTest: Float32Array;
  yTest: Int32Array;
  dim: number;
  numClasses: number;
}

/** Train G (a linear softmax classifier) on labelled rows with shuffled mini-batches; the caller disposes it. */
export async function fitLinearClassifier(
  xTrain: Float32Array,
  yTrain: Int32Array,
  dim: number,
  numClasses: number,
  config: Partial<ClassifierConfig> = {},
  seed = 0,
): Promise<{ classifier: LinearClassifier; finalLoss: number }> {
  const cfg = { ...CLASSIFIER_DEFAULTS, ...config };
  const n = yTrain.length;
  const g = new LinearClassifier(dim, numClasses, seed);
  const opt = g.optimizer(cfg);
  const x = tf.tensor2d(xTrain, [n, dim]);
  const y = tf.tensor1d(yTrain, 'int32');
  const rng = new MT19937(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let loss = NaN;
  try {
    for (let e = 0; e < cfg.epochs; e++) {
      rng.shuffle(order);
      const starts = Array.from({ length: Math.ceil(n / cfg.batchSize) }, (_, b) => b * cfg.batchSize);
      loss = await g.steps(
        opt,
        starts.map((s) =>
          tf.tidy(() => {
            const idx = tf.tensor1d(order.subarray(s, Math.min(n, s + cfg.batchSize)), 'int32');
            return [tf.gather(x, idx) as tf.Tensor2D, tf.gather(y, idx) as tf.Tensor1D] as [tf.Tensor2D, tf.Tensor1D];
          }),
        ),
      );
    }
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
  }
  return { classifier: g, finalLoss: loss };
}

/** Test accuracy of a linear softmax classifier trained on the given representation (codes or features). */
export async function linearProbe(data: ProbeData, config: Partial<ClassifierConfig> = {}, seed = 0): Promise<{ accuracy: number; finalLoss: number }> {
  const { classifier: g, finalLoss } = await fitLinearClassifier(data.xTrain, data.yTrain, data.dim, data.numClasses, config, seed);
  const xt = tf.tensor2d(data.xTest, [data.yTest.length, data.dim]);
  const pred = await g.predict(xt);
  let ok = 0;
  pred.forEach((p, i) => {
    if (p === data.yTest[i]) ok++;
  });
  xt.dispose();
  g.dispose();
  return { accuracy: ok / data.yTest.length, finalLoss };
}
