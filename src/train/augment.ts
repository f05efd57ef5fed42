import { tf } from '../backend/tf.js';
import type { MT19937 } from '../util/mt19937.js';

/**
 * The standard CIFAR/TinyImageNet training augmentation: pad by `pad` black pixels, take a random size x size crop,
 * flip left-right with probability 1/2; one crop-and-resize op for the whole batch (a box per image, x1 > x2 for a
 * flipped one, integer offsets so the bilinear sampling copies pixels exactly). Offsets come from `rng`.
 */
export function randomCropFlip(x: tf.Tensor4D, pad: number, rng: MT19937): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const boxes = new Float32Array(n * 4);
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  for (let i = 0; i < n; i++) {
    const top = rng.interval(2 * pad);
    const left = rng.interval(2 * pad);
    const flip = rng.interval(1) === 1;
    const x1 = left / (wp - 1);
    const x2 = (left + w - 1) / (wp - 1);
    boxes.set([top / (hp - 1), flip ? x2 : x1, (top + h - 1) / (hp - 1), flip ? x1 : x2], 4 * i);
  }
  return tf.tidy(() => {
    const padded = tf.pad(
      x,
      [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ],
      -1,
    );
    return tf.image.cropAndResize(padded, tf.tensor2d(boxes, [n, 4]), tf.range(0, n, 1, 'int32'), [h, w], 'bilinear');
  });
}
