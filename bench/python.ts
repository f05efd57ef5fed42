import fs from 'node:fs';

/** The Python the benchmarks' peers run on: $GBM_PYTHON, else Debian's (the one apt's numpy, torch and sklearn are for). */
export const PYTHON = process.env.GBM_PYTHON || (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/**
 * The environment of a Python peer: OpenBLAS left to pick its own kernels (this machine sets OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE, which pin it to older ones), at `threads` BLAS/OpenMP threads or at its default.
 */
export function peerEnv(threads: number | 'default'): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads === 'default') {
    delete env.OPENBLAS_NUM_THREADS;
    delete env.OMP_NUM_THREADS;
  } else {
    env.OPENBLAS_NUM_THREADS = String(threads);
    env.OMP_NUM_THREADS = String(threads);
  }
  return env;
}
