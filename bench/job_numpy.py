"""numpy re-implementation of the kit's default job (`npm start`), the whole-job peer of `npm run bench -- job`.

The same protocol on the same feature cache: class order np.random.seed(1993) permutation, B = 100 base classes then
5 tasks of 20; thermometer p = 1 with c = the 75th percentile (nearest rank) of each base-task feature; a K = 8
Bernoulli mixture per class by batched EM in float32 (centroid + uniform noise in [-0.05, 0.05], pi fixed for 5
iterations, mu clamped to [1e-3, 1 - 1e-3], relative tolerance 1e-4, at most 100 iterations); a linear softmax G
(weights N(0, 0.01), zero bias, grown by columns) trained for 8 epochs per step with Adam (lr 1e-3, tfjs's epsilon
1e-7) on Equation-4 batches of 256: the step's real codes plus pseudo-exemplars of the old classes drawn from their
mixtures. Random streams differ from the kit's (numpy's own generator), so accuracies agree within seed noise, not
bit for bit. Prints one JSON line: accuracies, seconds per phase, numpy's version and the BLAS it loaded.

Usage: job_numpy.py <feature cache folder> [seed]
"""
import json
import os
import sys
import time

T0 = time.perf_counter()
import numpy as np  # noqa: E402
from gbm_numpy import Adam, em_iterations, mapped_blas, xent_grads  # noqa: E402


def load(d, split, dim):
    x = np.fromfile(os.path.join(d, f"{split}.f32"), dtype=np.float32).reshape(-1, dim)
    y = np.fromfile(os.path.join(d, f"{split}.labels.i32"), dtype=np.int32)
    return x, y


def fit_em(codes, K, rng, max_iter=100, tol=1e-4, warmup=5, eps=1e-3, pert=0.05):
    """Batched EM over the classes of one step (padded to the largest class, masked), as src/memory/em.ts."""
    C = len(codes)
    D = codes[0].shape[1]
    counts = np.array([c.shape[0] for c in codes], dtype=np.float32)
    N = int(counts.max())
    z = np.zeros((C, N, D), dtype=np.float32)
    mask = np.zeros((C, N, 1), dtype=np.float32)
    for c, x in enumerate(codes):
        z[c, : len(x)] = x
        mask[c, : len(x)] = 1
    centroid = z.sum(1) / counts[:, None]
    mu = np.clip(centroid[:, None, :] + rng.uniform(-pert, pert, (C, K, D)), eps, 1 - eps).astype(np.float32)
    log_pi = np.full((C, K), np.log(1.0 / K), dtype=np.float32)
    mu, log_pi, trace = em_iterations(z, mu, log_pi, max_iter, warmup, eps, mask=mask, tol=tol)
    return mu, np.exp(log_pi), len(trace)


def sample(labels, mus, pis, rng):
    """Pseudo-exemplars: a component k ~ pi of the label's class, then bits ~ Bernoulli(mu_k)."""
    D = next(iter(mus.values())).shape[1]
    out = np.empty((len(labels), D), dtype=np.float32)
    u = rng.random((len(labels), D), dtype=np.float32)
    for c in np.unique(labels):
        rows = np.nonzero(labels == c)[0]
        k = rng.choice(len(pis[c]), size=len(rows), p=pis[c] / pis[c].sum())
        out[rows] = (u[rows] < mus[c][k]).astype(np.float32)
    return out


def main():
    cache = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1993
    meta = json.load(open(os.path.join(cache, "meta.json")))
    dim = meta["featureDim"]
    t = time.perf_counter()
    xtr, ytr = load(cache, "train", dim)
    xte, yte = load(cache, "test", dim)
    seconds = {"load": time.perf_counter() - t, "binarize": 0.0, "em": 0.0, "train": 0.0, "eval": 0.0}
    n_classes = int(ytr.max()) + 1
    np.random.seed(seed)
    order = np.random.permutation(n_classes)
    pos = np.empty(n_classes, np.int64)
    pos[order] = np.arange(n_classes)
    ptr, pte = pos[ytr], pos[yte]
    base, tasks, K, epochs, batch = 100, 5, 8, 8, 256
    per_task = (n_classes - base) // tasks
    rng = np.random.default_rng(seed)

    t = time.perf_counter()
    bx = xtr[ptr < base]
    n = len(bx)
    rank = min(n - 1, max(0, int(np.ceil(0.75 * n)) - 1))
    c = np.maximum(np.partition(bx, rank, axis=0)[rank], 1e-6)
    ctr = (xtr > c / 2).astype(np.float32)
    cte = (xte > c / 2).astype(np.float32)
    seconds["binarize"] += time.perf_counter() - t

    D = ctr.shape[1]
    W = (rng.standard_normal((D, 0)) * 0.01).astype(np.float32)
    b = np.zeros(0, np.float32)
    mus, pis = {}, {}
    accs, em_iters = [], []
    for step in range(tasks + 1):
        lo = 0 if step == 0 else base + (step - 1) * per_task
        hi = base if step == 0 else lo + per_task
        new = list(range(lo, hi))
        old = list(range(0, lo))
        W = np.concatenate([W, (rng.standard_normal((D, hi - lo)) * 0.01).astype(np.float32)], 1)
        b = np.concatenate([b, np.zeros(hi - lo, np.float32)])
        rows = np.nonzero((ptr >= lo) & (ptr < hi))[0]
        x, y = ctr[rows], ptr[rows]

        t = time.perf_counter()
        mu, pi, iters = fit_em([x[y == p] for p in new], K, rng)
        em_iters.append(iters)
        seconds["em"] += time.perf_counter() - t

        t = time.perf_counter()
        opt = Adam([W.shape, b.shape])
        ratio = len(old) / len(new)
        new_per_batch = max(1, int(np.floor(batch / (1 + ratio) + 0.5)))
        for _ in range(epochs):
            perm = rng.permutation(len(rows))
            starts = range(0, len(rows), new_per_batch)
            n_old = [int(np.floor(min(new_per_batch, len(rows) - s) * ratio + 0.5)) if old else 0 for s in starts]
            old_labels = rng.integers(0, max(1, len(old)), sum(n_old))
            pseudo = sample(old_labels, mus, pis, rng) if old else None
            off = 0
            for s, no in zip(starts, n_old):
                idx = perm[s : s + new_per_batch]
                xb, yb = x[idx], y[idx]
                if no:
                    xb = np.concatenate([xb, pseudo[off : off + no]])
                    yb = np.concatenate([yb, old_labels[off : off + no]])
                    off += no
                opt.step([W, b], xent_grads(xb, W, b, yb))
        seconds["train"] += time.perf_counter() - t
        for i, p in enumerate(new):
            mus[p], pis[p] = mu[i], pi[i]

        t = time.perf_counter()
        seen = pte < hi
        pred = np.argmax(cte[seen] @ W + b, 1)
        accs.append(float((pred == pte[seen]).mean()))
        seconds["eval"] += time.perf_counter() - t

    print(json.dumps({
        "accuracy": accs,
        "average_incremental_accuracy": float(np.mean(accs)),
        "em_iterations": em_iters,
        "seconds": seconds,
        "process_seconds": time.perf_counter() - T0,
        "numpy": np.__version__,
        "blas": mapped_blas(),
        "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }))


if __name__ == "__main__":
    main()
