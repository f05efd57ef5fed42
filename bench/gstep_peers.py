"""numpy and PyTorch peers of the kit's G training step (`npm run bench -- peers`).

One step of G as the kit takes it: logits = x W + b on a batch of 0/1 codes, softmax cross-entropy, its gradient
written out ((softmax - onehot) / n), and an Adam update (lr 1e-3, epsilon 1e-7). Times `steps` steps after a
warm-up, for each code length given, in the thread count the environment sets (OPENBLAS_NUM_THREADS for numpy,
torch.set_num_threads for PyTorch). Prints one JSON line: ms per step per peer and code length, the libraries'
versions, the BLAS each process mapped, and PyTorch's build configuration.

Usage: gstep_peers.py <batch> <classes> <steps> <threads|default> <D,D,...>
"""
import json
import sys
import time

import numpy as np
from gbm_numpy import Adam, mapped_blas, xent_grads


def numpy_steps(x, y, C, steps):
    rng = np.random.default_rng(0)
    W = (rng.standard_normal((x.shape[1], C)) * 0.01).astype(np.float32)
    b = np.zeros(C, np.float32)
    opt = Adam([W.shape, b.shape])
    t0 = 0.0
    for t in range(steps + 5):
        if t == 5:
            t0 = time.perf_counter()
        opt.step([W, b], xent_grads(x, W, b, y))
    return 1000 * (time.perf_counter() - t0) / steps


def torch_steps(torch, x, y, C, steps):
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y.astype(np.int64))
    D = x.shape[1]
    W = (torch.randn(D, C) * 0.01).requires_grad_()
    b = torch.zeros(C, requires_grad=True)
    opt = torch.optim.Adam([W, b], lr=1e-3, eps=1e-7)
    t0 = 0.0
    for t in range(steps + 5):
        if t == 5:
            t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(xt @ W + b, yt)
        loss.backward()
        opt.step()
    return 1000 * (time.perf_counter() - t0) / steps


def main():
    batch, C, steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    dims = [int(v) for v in sys.argv[5].split(",")]
    rng = np.random.default_rng(1)
    out = {"numpy": np.__version__, "threads": threads, "ms": {}}
    try:
        import torch

        if threads != "default":
            torch.set_num_threads(int(threads))
        out["torch"] = torch.__version__
        out["torch_threads"] = torch.get_num_threads()
        out["torch_config"] = torch.__config__.show()
    except ImportError as e:
        torch = None
        out["torch_error"] = str(e)
    for D in dims:
        x = (rng.random((batch, D)) < 0.25).astype(np.float32)
        y = rng.integers(0, C, batch).astype(np.int32)
        out["ms"][f"numpy {D}"] = numpy_steps(x, y, C, steps)
        if torch is not None:
            out["ms"][f"torch {D}"] = torch_steps(torch, x, y, C, steps)
    out["blas"] = mapped_blas()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
