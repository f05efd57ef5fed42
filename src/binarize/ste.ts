import { tf } from '../backend/tf.js';

/**
 * Heaviside step with the straight-through estimator: forward 1[u > 0], backward the incoming gradient where
 * |u| <= 1 and 0 elsewhere (the "hard tanh" STE the paper's Heaviside binarizer is trained with).
 */
/** customGrad's declared type takes variadic inputs; our ops take one tensor and the save function. */
type UnaryGrad = (x: tf.Tensor, save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor };
/** tf.customGrad made on first call, so importing this module does not load tfjs. */
const unaryCustomGrad = (f: UnaryGrad) => {
  let op: ((x: tf.Tensor) => tf.Tensor) | null = null;
  return (x: tf.Tensor) => {
    op ??= tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
    return op(x);
  };
};

export const heavisideSTE = unaryCustomGrad((u, save) => {
  save([u]);
  return {
    value: tf.cast(tf.greater(u, 0), 'float32'),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), 1), 'float32')),
  };
});

/**
 * Sign with the straight-through estimator, as binary neural networks use it: forward +1 where x >= 0 else -1,
 * backward dy where |x| <= 1 (the derivative of hard tanh) and 0 elsewhere.
 */
export const signSTE = unaryCustomGrad((x, save) => {
  save([x]);
  return {
    value: tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), 'float32'), 2), 1),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), 1), 'float32')),
  };
});

/**
 * Thermometer bits with a straight-through gradient. Forward: for features f [N, F], ranges c [F] and p levels,
 * bit (i, d, j) = 1[clip(f, 0, c) > c * j / (p + 1)], laid out [N, F * p] (the p bits of a feature together).
 * Backward: each bit passes dy / delta where |f - theta_j| <= delta / 2, delta = c / (p + 1): the derivative of
 * the staircase's linear interpolation, so the unary count's gradient is 1/delta inside the range.
 */
export function thermometerSTE(f: tf.Tensor2D, c: tf.Tensor1D, p: number): tf.Tensor2D {
  const op = unaryCustomGrad((x, save) => {
    const [n, F] = x.shape as [number, number];
    const levels = tf.range(1, p + 1).div(p + 1); // [p]
    const theta = tf.mul(c.reshape([F, 1]), levels.reshape([1, p])); // [F, p]
    const clipped = tf.minimum(tf.relu(x), c.reshape([1, F]));
    const bits = tf.cast(tf.greater(clipped.reshape([n, F, 1]), theta.reshape([1, F, p])), 'float32').reshape([n, F * p]);
    save([x, theta, c]);
    return {
      value: bits,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, th, cs] = saved;
        const delta = tf.div(cs, p + 1).reshape([1, F, 1]);
        const near = tf.cast(tf.lessEqual(tf.abs(tf.sub(xs.reshape([n, F, 1]), th.reshape([1, F, p]))), tf.div(delta, 2)), 'float32');
        return tf.sum(tf.mul(dy.reshape([n, F, p]), tf.div(near, delta)), 2);
      },
    };
  });
  return op(f) as tf.Tensor2D;
}
