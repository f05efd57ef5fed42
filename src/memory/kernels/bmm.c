/*
 * EM for one Bernoulli mixture per class over 0/1 codes, in WebAssembly: each class on its own rows (no padding to the
 * largest class), and each code costing its set bits, not its length. Built by scripts/build-kernels.sh into
 * bmm.wasm (committed beside this file); src/memory/em.ts keeps the dense tensor path as the reference and
 * test/em.test.ts holds the two within 1e-4 nats per code.
 *
 * log p(z, k) = log pi_k + sum_d [z_d log mu_kd + (1 - z_d) log(1 - mu_kd)]
 *             = bias_k + sum over set bits d of A_dk,  A_dk = log mu_kd - log(1 - mu_kd),
 *               bias_k = log pi_k + sum_d log(1 - mu_kd).
 */
#include <wasm_simd128.h>

#include "cephes-math.h"
typedef unsigned short u16;

/*
 * Row starts and set-bit indices of n codes of D bits (0/1 bytes, row-major): rstart[n + 1], idx[number of ones].
 * Returns the number of ones.
 */
__attribute__((export_name("index_codes"))) int index_codes(const unsigned char *z, int n, int D, int *rstart, u16 *idx) {
  int k = 0;
  for (int i = 0; i < n; i++) {
    rstart[i] = k;
    for (int d = 0; d < D; d++) {
      idx[k] = (u16)d;
      k += z[i * D + d] != 0;
    }
  }
  rstart[n] = k;
  return k;
}

/* One code's E-step and M-step for K = 4 NB components, the K values as NB vectors held in registers (NB a
 * constant where it is inlined): returns log sum_k p(z, k); adds gamma to nk and to the set bits' rows of sums. */
static inline __attribute__((always_inline)) float code_step_vec(const float *restrict A, const float *restrict bias, float *restrict sums,
                                                                 float *restrict nk, const u16 *restrict idx, int r0, int r1, int update, int NB) {
  v128_t acc[16];
  for (int b = 0; b < NB; b++) acc[b] = wasm_v128_load(bias + 4 * b);
  for (int j = r0; j < r1; j++) {
    const float *a = A + idx[j] * 4 * NB;
    for (int b = 0; b < NB; b++) acc[b] = wasm_f32x4_add(acc[b], wasm_v128_load(a + 4 * b));
  }
  v128_t mx = acc[0];
  for (int b = 1; b < NB; b++) mx = wasm_f32x4_max(mx, acc[b]);
  float m = wasm_f32x4_extract_lane(mx, 0);
  for (int l = 1; l < 4; l++) {
    float v = l == 1 ? wasm_f32x4_extract_lane(mx, 1) : l == 2 ? wasm_f32x4_extract_lane(mx, 2) : wasm_f32x4_extract_lane(mx, 3);
    m = v > m ? v : m;
  }
  float lp[64];
  for (int b = 0; b < NB; b++) wasm_v128_store(lp + 4 * b, acc[b]);
  float s = 0.0f;
  for (int k = 0; k < 4 * NB; k++) {
    lp[k] = exp_nonpos(lp[k] - m);
    s += lp[k];
  }
  if (update) {
    v128_t inv = wasm_f32x4_splat(1.0f / s);
    for (int b = 0; b < NB; b++) {
      acc[b] = wasm_f32x4_mul(wasm_v128_load(lp + 4 * b), inv); /* gamma */
      wasm_v128_store(nk + 4 * b, wasm_f32x4_add(wasm_v128_load(nk + 4 * b), acc[b]));
    }
    for (int j = r0; j < r1; j++) {
      float *o = sums + idx[j] * 4 * NB;
      for (int b = 0; b < NB; b++) wasm_v128_store(o + 4 * b, wasm_f32x4_add(wasm_v128_load(o + 4 * b), acc[b]));
    }
  }
  return m + log_pos(s);
}

/* The same for any K (scalar loops). */
static float code_step_any(const float *A, const float *bias, float *sums, float *nk, const u16 *idx, int r0, int r1, int update, int K, float *lp) {
  for (int k = 0; k < K; k++) lp[k] = bias[k];
  for (int j = r0; j < r1; j++) {
    const float *a = A + idx[j] * K;
    for (int k = 0; k < K; k++) lp[k] += a[k];
  }
  float mx = lp[0];
  for (int k = 1; k < K; k++) mx = lp[k] > mx ? lp[k] : mx;
  float s = 0.0f;
  for (int k = 0; k < K; k++) {
    lp[k] = exp_nonpos(lp[k] - mx);
    s += lp[k];
  }
  if (update) {
    float inv = 1.0f / s;
    for (int k = 0; k < K; k++) {
      lp[k] *= inv; /* gamma_ik */
      nk[k] += lp[k];
    }
    for (int j = r0; j < r1; j++) {
      float *o = sums + idx[j] * K;
      for (int k = 0; k < K; k++) o[k] += lp[k];
    }
  }
  return mx + log_pos(s);
}

/*
 * One EM iteration for each of C classes (class c: counts[c] codes from row first[c] of the index): the E-step
 * under the current mu [C x K x D] and log pi [C x K], then, unless `update` is 0, the M-step in place (mu clamped
 * to [eps, 1 - eps]; log pi updated only when free_pi). ll[c] gets the class's mean log-likelihood per code under
 * the parameters it started from; nk [C x K] the responsibility masses. scratch: K * (2 D + 2) floats, 16-byte
 * aligned.
 */
__attribute__((export_name("em_iteration"))) void em_iteration(int C, int K, int D, const int *counts, const int *first, const int *rstart,
                                                               const u16 *idx, float *mu, float *log_pi, float *ll, float *nk, int update,
                                                               int free_pi, float eps, float *scratch) {
  float *A = scratch;         /* [D x K]: log-odds, a code's K terms per set bit side by side */
  float *sums = A + D * K;    /* [D x K]: sum of gamma over the codes with bit d set */
  float *bias = sums + D * K; /* [K] */
  float *lp = bias + K;       /* [K] */
  for (int c = 0; c < C; c++) {
    float *m = mu + c * K * D;
    float *lpi = log_pi + c * K;
    float *nkc = nk + c * K;
    for (int k = 0; k < K; k++) {
      float b = lpi[k];
      for (int d = 0; d < D; d++) {
        float v = m[k * D + d];
        float l1 = log_pos(1.0f - v);
        A[d * K + k] = log_pos(v) - l1;
        b += l1;
      }
      bias[k] = b;
      nkc[k] = 0.0f;
    }
    for (int j = 0; j < D * K; j++) sums[j] = 0.0f;
    double total = 0.0;
    int n = counts[c];
    /* nk of a class is 16-byte aligned only when K is a multiple of 4: the vector paths need both. */
    int vec = (K & 3) == 0 && K <= 64 && ((unsigned long)nkc & 15) == 0;
    for (int i = first[c]; i < first[c] + n; i++) {
      int r0 = rstart[i], r1 = rstart[i + 1];
      float l;
      if (vec && K == 8)
        l = code_step_vec(A, bias, sums, nkc, idx, r0, r1, update, 2);
      else if (vec && K == 4)
        l = code_step_vec(A, bias, sums, nkc, idx, r0, r1, update, 1);
      else if (vec && K == 16)
        l = code_step_vec(A, bias, sums, nkc, idx, r0, r1, update, 4);
      else if (vec && K == 32)
        l = code_step_vec(A, bias, sums, nkc, idx, r0, r1, update, 8);
      else
        l = code_step_any(A, bias, sums, nkc, idx, r0, r1, update, K, lp);
      total += (double)l;
    }
    ll[c] = (float)(total / n);
    if (!update) continue;
    for (int k = 0; k < K; k++) {
      float inv = 1.0f / (nkc[k] > 1e-12f ? nkc[k] : 1e-12f);
      for (int d = 0; d < D; d++) {
        float v = sums[d * K + k] * inv;
        m[k * D + d] = v < eps ? eps : (v > 1.0f - eps ? 1.0f - eps : v);
      }
      if (free_pi) {
        float p = nkc[k] / (float)n;
        lpi[k] = log_pos(p > 1e-30f ? p : 1e-30f);
      }
    }
  }
}
