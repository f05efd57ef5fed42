import { tf } from '../tf.js';

/*
 * Conv training on the wasm backend. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (so tf.layers conv nets
 * cannot train on it), and its Conv2DBackpropInput is a plain loop, ten times slower than its XNNPACK Conv2D.
 * Both gradients are convolutions themselves, so these kernels, registered by name (the TF.js way to add or swap
 * a kernel without touching callers), express them as one fast forward Conv2D between relaid tensors:
 *
 *   dW[kh,kw,ci,co] = sum_{n,i,j} xpad[n, i*s+kh, j*s+kw, ci] dy[n,i,j,co]
 *     = conv2d(input = xpad as [ci, H, W, n], filter = dy as [i, j, n, co], dilation = s)   -> [ci, kh, kw, co]
 *   dx = conv2d(dy with s-1 zeros between rows/columns, padded by k-1-pad, filter flipped with ci/co swapped)
 *
 * Measured on this 2-core machine (ResNet-20 stage-1 shapes, 64 x 32 x 32 x 16, 3x3): dW 17 ms (the cpu
 * backend's Conv2DBackpropFilter: 15.4 s; wasm's Conv3DBackpropFilterV2 on the same data: 201 ms), dx 8.6 ms
 * against the stock wasm kernel's 88 ms. The gradients are computed with tf ops inside a tidy, which is allowed in
 * a kernel: the gradient tape is off while gradients are being computed.
 */

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
type KernelFunc = (args: { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, unknown>; backend: unknown }) => tf.TensorInfo | tf.Tensor;

/** A Tensor over a kernel input that owns one more reference to its data, so disposing it leaves the input alive. */
function tensor(t: tf.TensorInfo): tf.Tensor {
  const out = tf.engine().makeTensorFromTensorInfo(t);
  (tf.engine().backend as unknown as { incRef(id: object): void }).incRef(t.dataId);
  return out;
}

/** The padding and output size tfjs itself would use for this convolution. */
function convInfo(xShape: [number, number, number, number], filterShape: [number, number, number, number], a: ConvAttrs) {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, 1, a.pad as 'same', a.dimRoundingMode, false, 'channelsLast');
}

/** Rows [-before, -before + size) of axis 1 and 2 of x, zero outside x (pad, then slice off any excess). */
function window2d(x: tf.Tensor4D, top: number, left: number, height: number, width: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const bottom = height - top - h;
  const right = width - left - w;
  let y = tf.pad(x, [
    [0, 0],
    [top, Math.max(0, bottom)],
    [left, Math.max(0, right)],
    [0, 0],
  ]);
  if (bottom < 0 || right < 0) y = tf.slice(y, [0, 0, 0, 0], [-1, height, width, -1]) as tf.Tensor4D;
  return y;
}

/** dW of a 2-D convolution (NHWC) as one dilated forward convolution. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, attrs);
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
    const xp = window2d(x, info.padInfo.top, info.padInfo.left, (ho - 1) * sh + kh, (wo - 1) * sw + kw);
    const input = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, H, W, n]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [ho, wo, n, co]
    const g = tf.conv2d(input, filter, 1, 'valid', 'NHWC', [sh, sw]); // [ci, kh, kw, co]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** dx of a 2-D convolution (NHWC) as one forward convolution of the zero-dilated dy with the flipped filter. */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, attrs);
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
    const [n, h, w] = inputShape;
    const co = dy.shape[3];
    let d: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      // Interleave s-1 zero rows/columns: [n, ho, 1, wo, 1, c] padded to [n, ho, sh, wo, sw, c].
      const six = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, co]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      d = tf.slice(tf.reshape(six, [n, ho * sh, wo * sw, co]), [0, 0, 0, 0], [-1, (ho - 1) * sh + 1, (wo - 1) * sw + 1, -1]) as tf.Tensor4D;
    }
    const padded = window2d(d, kh - 1 - info.padInfo.top, kw - 1 - info.padInfo.left, h + kh - 1, w + kw - 1);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

const toNhwc = (t: tf.Tensor4D, format: string) => (format === 'NCHW' ? (tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D) : t);
const fromNhwc = (t: tf.Tensor4D, format: string) => (format === 'NCHW' ? (tf.transpose(t, [0, 3, 1, 2]) as tf.Tensor4D) : t);
const nhwcShape = (s: number[], format: string) => (format === 'NCHW' ? [s[0], s[2], s[3], s[1]] : s) as [number, number, number, number];

/** dW on wasm as one forward Conv2D (tfjs-backend-wasm has no Conv2DBackpropFilter). */
const filterGrad: KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  return tf.tidy(() =>
    conv2dFilterGrad(toNhwc(tensor(inputs.x) as tf.Tensor4D, a.dataFormat), toNhwc(tensor(inputs.dy) as tf.Tensor4D, a.dataFormat), a.filterShape, {
      ...a,
      dataFormat: 'NHWC',
    }),
  );
};

/** dx on wasm as one forward Conv2D of the dilated dy with the flipped filter. */
const inputGrad: KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  return tf.tidy(() =>
    fromNhwc(
      conv2dInputGrad(toNhwc(tensor(inputs.dy) as tf.Tensor4D, a.dataFormat), tensor(inputs.filter) as tf.Tensor4D, nhwcShape(a.inputShape, a.dataFormat), {
        ...a,
        dataFormat: 'NHWC',
      }),
      a.dataFormat,
    ),
  );
};

/** The wasm backend's Conv2DBackpropFilter (added) and Conv2DBackpropInput (in place of the stock loop). */
export const wasmConvGradConfigs: tf.KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: filterGrad as unknown as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: inputGrad as unknown as tf.KernelFunc },
];
