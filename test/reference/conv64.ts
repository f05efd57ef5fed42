/**
 * Float64 reference for the filter gradient of a 2-D convolution (NHWC, filter [kh, kw, ci, co]), by its definition:
 * dW[a, b, c, o] = sum over (n, i, j) of x[n, i*sh - top + a, j*sw - left + b, c] * dy[n, i, j, o], x zero outside.
 * Plain loops: for tests on small shapes only.
 */
export function conv2dFilterGrad64(
  x: ArrayLike<number>,
  xShape: readonly number[],
  dy: ArrayLike<number>,
  dyShape: readonly number[],
  filter: readonly [number, number],
  strides: readonly [number, number],
  padTopLeft: readonly [number, number],
): Float64Array {
  const [n, h, w, ci] = xShape;
  const [, oh, ow, co] = dyShape;
  const [kh, kw] = filter;
  const out = new Float64Array(kh * kw * ci * co);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let img = 0; img < n; img++)
            for (let i = 0; i < oh; i++)
              for (let j = 0; j < ow; j++) {
                const r = i * strides[0] - padTopLeft[0] + a;
                const q = j * strides[1] - padTopLeft[1] + b;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                s += x[((img * h + r) * w + q) * ci + c] * dy[((img * oh + i) * ow + j) * co + o];
              }
          out[((a * kw + b) * ci + c) * co + o] = s;
        }
  return out;
}
