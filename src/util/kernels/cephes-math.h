/*
 * Scalar math for the kit's WebAssembly kernels (no libc there): Cephes' single-precision exp and log, ~1e-7
 * relative error. Included by the kernels in src/<folder>/kernels (scripts/build-kernels.sh puts this folder on the include path).
 */
#ifndef GBM_CEPHES_MATH_H
#define GBM_CEPHES_MATH_H

typedef unsigned int u32;

/* e^x for x <= 0: Cephes' expf (range reduction by ln 2, degree-6 polynomial, relative error ~1e-7). */
static inline float exp_nonpos(float x) {
  x = x < -87.0f ? -87.0f : x;
  float k = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union {
    u32 i;
    float f;
  } s;
  s.i = (u32)((int)k + 127) << 23;
  return p * s.f;
}

/* Natural log for x > 0 (normal floats): Cephes' logf, mantissa in [sqrt(1/2), sqrt(2)) and a degree-8 polynomial. */
static inline float log_pos(float x) {
  union {
    float f;
    u32 i;
  } u = {x};
  int e = (int)((u.i >> 23) & 0xff) - 126;
  u.i = (u.i & 0x007fffff) | 0x3f000000; /* mantissa in [0.5, 1) */
  float m = u.f;
  if (m < 0.707106781186547524f) {
    e -= 1;
    m = m + m - 1.0f;
  } else {
    m = m - 1.0f;
  }
  float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  float fe = (float)e;
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  return m + y + 0.693359375f * fe;
}

#endif
