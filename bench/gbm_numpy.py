"""The numpy pieces the benchmarks' peers share (bench/em_numpy.py, bench/gstep_peers.py, bench/job_numpy.py): batched
Bernoulli-mixture EM, G's softmax cross-entropy gradient and tfjs's Adam, and which BLAS the process loaded."""
import os

import numpy as np


def em_iterations(z, mu, log_pi, max_iter, warmup, eps, mask=None, tol=0.0):
    """EM in float32 on classes padded to [C, N, D] (mask [C, N, 1] marks real codes; None: all are), as
    src/memory/em.ts: pi fixed for `warmup` iterations, mu clamped to [eps, 1 - eps], stop when every class's mean
    log-likelihood moves by less than tol of itself (tol 0: run max_iter). Returns mu, log pi and the trace of mean
    log-likelihoods per class under each iteration's starting parameters."""
    counts = mask.sum((1, 2)) if mask is not None else np.full(z.shape[0], z.shape[1], np.float32)
    zt = np.ascontiguousarray(z.transpose(0, 2, 1))
    trace = []
    for it in range(max_iter):
        log_1m = np.log1p(-mu)
        a = (np.log(mu) - log_1m).transpose(0, 2, 1)  # [C, D, K]
        logp = np.matmul(z, a) + (log_1m.sum(2) + log_pi)[:, None, :]  # [C, N, K]
        m = logp.max(2, keepdims=True)
        lse = m + np.log(np.exp(logp - m).sum(2, keepdims=True))
        gamma = np.exp(logp - lse)
        if mask is not None:
            gamma *= mask
            trace.append((lse * mask).sum((1, 2)) / counts)
        else:
            trace.append(lse.mean(axis=(1, 2)))
        nk = gamma.sum(1)  # [C, K]
        mu = np.clip(np.matmul(zt, gamma).transpose(0, 2, 1) / np.maximum(nk, 1e-12)[:, :, None], eps, 1 - eps).astype(np.float32)
        if it >= warmup:
            log_pi = np.log(np.maximum(nk / counts[:, None], 1e-30)).astype(np.float32)
        if tol > 0 and len(trace) > 1 and it > warmup and np.all(np.abs(trace[-1] - trace[-2]) < tol * np.abs(trace[-2])):
            break
    return mu, log_pi, trace


def xent_grads(x, W, b, y):
    """Gradients of the mean softmax cross-entropy of x W + b at labels y: (x^T g, sum of g), g = (softmax - onehot) / n."""
    z = x @ W + b
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    p /= len(y)
    return x.T @ p, p.sum(0)


class Adam:
    """tfjs's Adam (beta 0.9 / 0.999, epsilon 1e-7, bias correction by beta^t), updating the arrays in place."""

    def __init__(self, shapes, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        self.m = [np.zeros(s, np.float32) for s in shapes]
        self.v = [np.zeros(s, np.float32) for s in shapes]
        self.t = 0
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps

    def step(self, params, grads):
        self.t += 1
        c1 = 1 - self.b1**self.t
        c2 = 1 - self.b2**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def mapped_blas():
    """The BLAS libraries this process mapped: which one numpy (or torch) really uses, whatever it was built against."""
    try:
        libs = {line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and line.split()[-1].startswith("/")}
        return ", ".join(sorted({os.path.realpath(p) for p in libs})) or "none found"
    except OSError:
        return "unknown"
