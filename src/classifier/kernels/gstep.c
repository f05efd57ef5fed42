/*
 * One training step of G (a linear softmax classifier) in WebAssembly with 128-bit SIMD: forward product, softmax
 * cross-entropy gradient, backward product and Adam, in one call. Built by scripts/build-kernels.sh into gstep.wasm
 * (committed beside this file; test/classifier.test.ts and test/wasm-kernels.test.ts check both the numbers and that the build is current).
 *
 * The products skip zero inputs: G's inputs are 0/1 codes, a quarter of them ones by default, so a row costs its
 * set bits, not its length; a row of real features costs what a dense product does. P = [W; b] is (D+1) x C
 * row-major, the bias its last row (an input fixed at 1).
 */
#include <wasm_simd128.h>

#include "cephes-math.h"

/* acc[0..C) (+)= sum over the n_idx entries of val[j] * rows[idx[j] * C + c] (val null: every weight is 1), with
 * 8 vectors of accumulators held in registers across the entries: one store per 32 outputs. */
static void accumulate_rows(float *acc, int init, const float *rows, int C, const int *idx, const float *val, int n_idx) {
  int c = 0;
  for (; c + 32 <= C; c += 32) {
    v128_t a0, a1, a2, a3, a4, a5, a6, a7;
    if (init) {
      a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = wasm_f32x4_splat(0.0f);
    } else {
      a0 = wasm_v128_load(acc + c), a1 = wasm_v128_load(acc + c + 4), a2 = wasm_v128_load(acc + c + 8), a3 = wasm_v128_load(acc + c + 12);
      a4 = wasm_v128_load(acc + c + 16), a5 = wasm_v128_load(acc + c + 20), a6 = wasm_v128_load(acc + c + 24), a7 = wasm_v128_load(acc + c + 28);
    }
    for (int j = 0; j < n_idx; j++) {
      const float *w = rows + idx[j] * C + c;
      if (val) {
        v128_t s = wasm_f32x4_splat(val[j]);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(s, wasm_v128_load(w)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(s, wasm_v128_load(w + 4)));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(s, wasm_v128_load(w + 8)));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(s, wasm_v128_load(w + 12)));
        a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(s, wasm_v128_load(w + 16)));
        a5 = wasm_f32x4_add(a5, wasm_f32x4_mul(s, wasm_v128_load(w + 20)));
        a6 = wasm_f32x4_add(a6, wasm_f32x4_mul(s, wasm_v128_load(w + 24)));
        a7 = wasm_f32x4_add(a7, wasm_f32x4_mul(s, wasm_v128_load(w + 28)));
      } else {
        a0 = wasm_f32x4_add(a0, wasm_v128_load(w));
        a1 = wasm_f32x4_add(a1, wasm_v128_load(w + 4));
        a2 = wasm_f32x4_add(a2, wasm_v128_load(w + 8));
        a3 = wasm_f32x4_add(a3, wasm_v128_load(w + 12));
        a4 = wasm_f32x4_add(a4, wasm_v128_load(w + 16));
        a5 = wasm_f32x4_add(a5, wasm_v128_load(w + 20));
        a6 = wasm_f32x4_add(a6, wasm_v128_load(w + 24));
        a7 = wasm_f32x4_add(a7, wasm_v128_load(w + 28));
      }
    }
    wasm_v128_store(acc + c, a0), wasm_v128_store(acc + c + 4, a1), wasm_v128_store(acc + c + 8, a2), wasm_v128_store(acc + c + 12, a3);
    wasm_v128_store(acc + c + 16, a4), wasm_v128_store(acc + c + 20, a5), wasm_v128_store(acc + c + 24, a6), wasm_v128_store(acc + c + 28, a7);
  }
  for (; c + 4 <= C; c += 4) {
    v128_t a0 = init ? wasm_f32x4_splat(0.0f) : wasm_v128_load(acc + c);
    for (int j = 0; j < n_idx; j++) {
      v128_t w = wasm_v128_load(rows + idx[j] * C + c);
      a0 = wasm_f32x4_add(a0, val ? wasm_f32x4_mul(wasm_f32x4_splat(val[j]), w) : w);
    }
    wasm_v128_store(acc + c, a0);
  }
  for (; c < C; c++) {
    float a = init ? 0.0f : acc[c];
    for (int j = 0; j < n_idx; j++) a += (val ? val[j] : 1.0f) * rows[idx[j] * C + c];
    acc[c] = a;
  }
}

/* The nonzero entries of x [n x D] both ways: by row (ridx/rval, row i's at rstart[i]..rstart[i+1]) and by column
 * (cidx/cval, column d's at cstart[d]..cstart[d+1]); returns 1 when every nonzero is exactly 1 (0/1 codes). */
static int nonzeros(const float *x, int n, int D, int *rstart, int *ridx, float *rval, int *cstart, int *cidx, float *cval) {
  int ones = 1, k = 0;
  for (int d = 0; d <= D; d++) cstart[d] = 0;
  for (int i = 0; i < n; i++) {
    rstart[i] = k;
    for (int d = 0; d < D; d++) {
      /* Branch-free: every entry is written, and the cursor moves past the nonzero ones (codes are ~half ones). */
      float v = x[i * D + d];
      int nz = v != 0.0f;
      ridx[k] = d;
      rval[k] = v;
      k += nz;
      ones &= (v == 1.0f) | !nz;
      cstart[d + 1] += nz;
    }
  }
  rstart[n] = k;
  for (int d = 0; d < D; d++) cstart[d + 1] += cstart[d];
  /* Fill columns in row order (cursor per column kept in the next column's start, restored after). */
  for (int i = 0; i < n; i++)
    for (int j = rstart[i]; j < rstart[i + 1]; j++) {
      int at = cstart[ridx[j]]++;
      cidx[at] = i;
      cval[at] = rval[j];
    }
  for (int d = D; d > 0; d--) cstart[d] = cstart[d - 1];
  cstart[0] = 0;
  return ones;
}

/* logits[i][:] = P[D][:] + sum over nonzero x[i][d] of x[i][d] * P[d][:]. */
static void forward(int n, int D, const float *P, int C, float *logits, const int *rstart, const int *ridx, const float *rval, int ones) {
  for (int i = 0; i < n; i++) {
    float *out = logits + i * C;
    for (int c = 0; c < C; c++) out[c] = P[D * C + c];
    accumulate_rows(out, 0, P, C, ridx + rstart[i], ones ? 0 : rval + rstart[i], rstart[i + 1] - rstart[i]);
  }
}

/* In place: logits[i][:] -> (softmax(logits[i]) - onehot(y[i])) / n; stats[2i] = row max, stats[2i+1] = sum of
 * exp(z - max), stats[2n + i] = z_y - max, from which the caller forms the cross-entropy when it wants it. */
static void softmax_grad(float *logits, const int *y, int n, int C, float *stats) {
  float inv_n = 1.0f / (float)n;
  for (int i = 0; i < n; i++) {
    float *z = logits + i * C;
    float mx = z[0];
    for (int c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
    stats[2 * n + i] = z[y[i]] - mx;
    float sum = 0.0f;
    for (int c = 0; c < C; c++) {
      float e = exp_nonpos(z[c] - mx);
      z[c] = e;
      sum += e;
    }
    float scale = inv_n / sum;
    for (int c = 0; c < C; c++) z[c] *= scale;
    z[y[i]] -= inv_n;
    stats[2 * i] = mx;
    stats[2 * i + 1] = sum;
  }
}

/* grad = [x 1]^T g: row d is the sum of g's rows i with x[i][d] != 0 (weighted by x[i][d]), row D all of g's rows. */
static void backward(int n, int D, const float *g, int C, float *grad, const int *cstart, const int *cidx, const float *cval, int ones, int *all) {
  for (int d = 0; d < D; d++) accumulate_rows(grad + d * C, 1, g, C, cidx + cstart[d], ones ? 0 : cval + cstart[d], cstart[d + 1] - cstart[d]);
  for (int i = 0; i < n; i++) all[i] = i;
  accumulate_rows(grad + D * C, 1, g, C, all, 0, n);
}

/* Adam as tfjs applies it: m, v moving averages; P -= lr * (m / c1) / (sqrt(v / c2) + eps), c = 1 - beta^t. */
static void adam(float *P, const float *g, float *m, float *v, int len, float lr, float c1, float c2, float eps) {
  float a = lr / c1;
  float ic2 = 1.0f / c2;
  for (int j = 0; j < len; j++) {
    float mj = 0.9f * m[j] + 0.1f * g[j];
    float vj = 0.999f * v[j] + 0.001f * g[j] * g[j];
    m[j] = mj;
    v[j] = vj;
    P[j] -= a * mj / (__builtin_sqrtf(vj * ic2) + eps);
  }
}

/* Momentum SGD as tfjs's MomentumOptimizer (no Nesterov): m = 0.9 m + g; P -= lr m. */
static void momentum(float *P, const float *g, float *m, int len, float lr) {
  for (int j = 0; j < len; j++) {
    float a = 0.9f * m[j] + g[j];
    m[j] = a;
    P[j] -= lr * a;
  }
}

/*
 * One step on n rows x [n x D] with labels y: scratch holds n x C logits, grad (D+1) x C, stats 3n, and `index`
 * 4 n D + 2 n + D + 2 words for the nonzeros. optimizer 0 = Adam (c1, c2 the bias corrections of this step),
 * 1 = momentum (v unused).
 */
__attribute__((export_name("gstep"))) void gstep(const float *x, const int *y, int n, int D, int C, float *P, float *m, float *v,
                                                 float *logits, float *grad, float *stats, int *index, int optimizer, float lr,
                                                 float c1, float c2, float eps) {
  int nz = n * D;
  int *ridx = index, *cidx = index + nz, *rstart = index + 2 * nz, *cstart = rstart + n + 1, *all = cstart + D + 1;
  float *rval = (float *)(all + n), *cval = rval + nz;
  int ones = nonzeros(x, n, D, rstart, ridx, rval, cstart, cidx, cval);
  forward(n, D, P, C, logits, rstart, ridx, rval, ones);
  softmax_grad(logits, y, n, C, stats);
  backward(n, D, logits, C, grad, cstart, cidx, cval, ones, all);
  if (optimizer == 0)
    adam(P, grad, m, v, (D + 1) * C, lr, c1, c2, eps);
  else
    momentum(P, grad, m, (D + 1) * C, lr);
}

/* logits only (prediction and tests): [n x C] = [x 1] P. */
__attribute__((export_name("logits"))) void logits_only(const float *x, int n, int D, const float *P, int C, float *out, int *index) {
  int nz = n * D;
  int *ridx = index, *cidx = index + nz, *rstart = index + 2 * nz, *cstart = rstart + n + 1;
  float *rval = (float *)(cstart + D + 1 + n), *cval = rval + nz;
  int ones = nonzeros(x, n, D, rstart, ridx, rval, cstart, cidx, cval);
  forward(n, D, P, C, out, rstart, ridx, rval, ones);
}
