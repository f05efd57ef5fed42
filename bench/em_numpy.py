"""numpy reference for the kit's EM benchmark: the same batched Bernoulli-mixture EM on the same codes and start.

Reads <dir>/codes.u8 [C, N, D], mu0.f32 [C, K, D], pi0.f32 [C, K], shape.json; runs `iters` EM iterations in
float32 (warm-up with pi fixed, mu clamped to [eps, 1 - eps], as src/memory/em.ts), prints JSON with the time
per iteration and the final mean log-likelihood per class. Run by bench/em.ts; Debian's python3-numpy.
"""
import json
import os
import sys
import time

import numpy as np


def em(z, mu, pi, iters, warmup, eps):
    C, N, D = z.shape
    zt = np.ascontiguousarray(z.transpose(0, 2, 1))
    log_pi = np.log(pi)
    trace = []
    for t in range(iters):
        log_mu = np.log(mu)
        log_1m = np.log1p(-mu)
        a = (log_mu - log_1m).transpose(0, 2, 1)  # [C, D, K]
        logp = np.matmul(z, a) + (log_1m.sum(2) + log_pi)[:, None, :]  # [C, N, K]
        m = logp.max(2, keepdims=True)
        lse = m + np.log(np.exp(logp - m).sum(2, keepdims=True))
        gamma = np.exp(logp - lse)
        trace.append(lse.mean(axis=(1, 2)))
        nk = gamma.sum(1)  # [C, K]
        sums = np.matmul(zt, gamma).transpose(0, 2, 1)  # [C, K, D]
        mu = np.clip(sums / np.maximum(nk, 1e-12)[:, :, None], eps, 1 - eps).astype(np.float32)
        if t >= warmup:
            log_pi = np.log(np.maximum(nk / N, 1e-30)).astype(np.float32)
    return trace


if __name__ == "__main__":
    d = sys.argv[1]
    shape = json.load(open(f"{d}/shape.json"))
    C, N, D, K = shape["C"], shape["N"], shape["D"], shape["K"]
    z = np.fromfile(f"{d}/codes.u8", dtype=np.uint8).reshape(C, N, D).astype(np.float32)
    mu0 = np.fromfile(f"{d}/mu0.f32", dtype=np.float32).reshape(C, K, D)
    pi0 = np.fromfile(f"{d}/pi0.f32", dtype=np.float32).reshape(C, K)
    em(z, mu0.copy(), pi0.copy(), 2, shape["warmup"], shape["eps"])  # warm up BLAS
    t0 = time.perf_counter()
    trace = em(z, mu0.copy(), pi0.copy(), shape["iters"], shape["warmup"], shape["eps"])
    secs = time.perf_counter() - t0
    maps = {line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and line.split()[-1].startswith("/")}
    print(json.dumps({"seconds": secs, "per_iteration_ms": 1000 * secs / shape["iters"],
                      "final_loglik": [float(v) for v in trace[-1]], "numpy": np.__version__,
                      "blas": ", ".join(sorted({os.path.realpath(p) for p in maps})) or "none found"}))
