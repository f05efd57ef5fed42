"""numpy reference for the kit's EM benchmark: the same batched Bernoulli-mixture EM on the same codes and start.

Reads <dir>/codes.u8 [C, N, D], mu0.f32 [C, K, D], pi0.f32 [C, K], shape.json; runs `iters` EM iterations in
float32 (warm-up with pi fixed, mu clamped to [eps, 1 - eps], as src/memory/em.ts), prints JSON with the time
per iteration and the final mean log-likelihood per class. Run by bench/em.ts; Debian's python3-numpy.
"""
import json
import sys
import time

import numpy as np
from gbm_numpy import em_iterations, mapped_blas


def em(z, mu, pi, iters, warmup, eps):
    return em_iterations(z, mu, np.log(pi), iters, warmup, eps)[2]


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
    print(json.dumps({"seconds": secs, "per_iteration_ms": 1000 * secs / shape["iters"],
                      "final_loglik": [float(v) for v in trace[-1]], "numpy": np.__version__,
                      "blas": mapped_blas()}))
