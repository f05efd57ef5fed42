import type { FeatureSet } from '../src/features/cache.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { findDataPath } from '../src/data/locate.js';
import { MT19937 } from '../src/util/mt19937.js';
import { initBackend } from '../src/backend/index.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { batchNormTrainForward, batchNormTrainGrad } from '../src/backend/ops.js';
import { tf } from '../src/backend/tf.js';
import { batchNorm64 } from './reference/batchnorm64.js';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tmpDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gbm-${tag}-`));
  made.push(dir);
  return dir;
}

/** A w x h RGB test image: a class-dependent colour gradient plus an index-dependent stripe. */
export function syntheticRgb(w: number, h: number, cls: number, idx: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      px[o] = (cls * 80 + x * 3) % 256;
      px[o + 1] = (cls * 40 + y * 3) % 256;
      px[o + 2] = ((x + idx * 5) % 16 < 4 ? 230 : 20 + cls * 30) % 256;
    }
  }
  return px;
}

/** JPEG bytes of an RGB image (jpeg-js encoder, quality 90). */
export function encodeJpeg(rgb: Uint8Array, w: number, h: number): Buffer {
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width: w, height: h }, 90).data;
}

export { encodePng } from '../src/data/image.js';

/** Write root/{train,test}/<class>/<i>.jpg for the given class names and counts. */
export function makeImageFolder(root: string, classes: string[], perClass: { train: number; test: number }, size = 32): void {
  classes.forEach((c, ci) => {
    for (const split of ['train', 'test'] as const) {
      if (perClass[split] === 0) continue;
      const dir = path.join(root, split, c);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < perClass[split]; i++) {
        fs.writeFileSync(path.join(dir, `img_${String(i).padStart(4, '0')}.jpg`), encodeJpeg(syntheticRgb(size, size, ci, i), size, size));
      }
    }
  });
}

/** Debian's python3 (the one with the packages CI installs), used as an independent reference implementation. */
export const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Run a Python snippet and return its stdout; throws with its stderr on failure. */
export function python(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Path of a shared dataset or weights file; when absent, skip the test, unless GBM_REQUIRE_DATA=1 (CI), where a
 * missing file fails: a skipped test never counts as a pass there.
 */
export function requireData(ctx: Mocha.Context, rel: string): string {
  const p = findDataPath(rel);
  if (p) return p;
  if (process.env.GBM_REQUIRE_DATA === '1') throw new Error(`${rel} not found in the data folders; CI needs ../shared/data or GBM_DATA_DIR`);
  ctx.skip();
  throw new Error('unreachable');
}

/**
 * Switch to the webgpu backend on whatever adapter exists (on CPU-only machines Mesa's lavapipe, installed by
 * `GBM_WEBGPU_SOFTWARE=1 bash scripts/install-system.sh`); skip without one, or fail under GBM_REQUIRE_WEBGPU=1 (CI).
 */
export async function requireWebGpu(ctx: Mocha.Context): Promise<void> {
  if (!(await probeWebGpu())) {
    if (process.env.GBM_REQUIRE_WEBGPU === '1')
      throw new Error('GBM_REQUIRE_WEBGPU=1 but no WebGPU adapter: install Mesa >= 25 (GBM_WEBGPU_SOFTWARE=1 bash scripts/install-system.sh)');
    ctx.skip();
  }
  await initBackend('webgpu');
}

/** Run `fn` with some environment variables set, restoring (or removing) them afterwards. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Check the kit's batch-norm kernels (backend/ops.ts) on the current backend against the float64 reference:
 * moments, y, dgamma, dbeta and dx, on shapes with few and many channels, far from zero mean.
 */
export async function checkBatchNormKernels(): Promise<void> {
  for (const shape of [
    [3, 5, 7, 6],
    [16, 16, 16, 16],
    [2, 8, 8, 70],
  ] as [number, number, number, number][]) {
    const C = shape[3];
    // A mean of 100 against unit spread: a single pass of E[x^2] - E[x]^2 would lose the variance here.
    const x = tf.add(tf.randomNormal(shape, 0, 1, 'float32', 71), 100) as tf.Tensor4D;
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 72) as tf.Tensor4D;
    const gamma = tf.randomUniform([C], 0.5, 1.5, 'float32', 73) as tf.Tensor1D;
    const beta = tf.randomNormal([C], 0, 1, 'float32', 74) as tf.Tensor1D;
    const [y, mean, variance] = batchNormTrainForward(x, gamma, beta, 1e-5);
    const [dx, dgamma, dbeta] = batchNormTrainGrad(dy, x, mean, variance, gamma, 1e-5);
    const [xv, dv, gv, bv] = await Promise.all([x, dy, gamma, beta].map((t) => t.data()));
    const ref = batchNorm64(xv, dv, gv, bv, C, 1e-5);
    const got = { mean, variance, y, dx, dgamma, dbeta };
    const rows = xv.length / C;
    // Float32 with sums over `rows` terms: recursive summation's bound, rows * 2^-24 relative (wasm's reductions sum
    // sequentially), with a margin of 16, relative to each result's largest magnitude.
    const relative = 16 * rows * 2 ** -24;
    for (const k of ['mean', 'variance', 'y', 'dx', 'dgamma', 'dbeta'] as const) {
      const v = await got[k].data();
      const r = ref[k];
      const bound = relative * Math.max(...Array.from(r, Math.abs)) + 1e-6;
      for (let i = 0; i < r.length; i++) {
        if (!(Math.abs(v[i] - r[i]) <= bound)) throw new Error(`[${shape}] on ${tf.getBackend()}: ${k}[${i}] = ${v[i]}, float64 ${r[i]} (bound ${bound})`);
      }
    }
    tf.dispose([x, dy, gamma, beta, y, mean, variance, dx, dgamma, dbeta]);
  }
}

/** An in-memory feature set: `classes` Gaussian blobs in `dim` dimensions, non-negative (like post-ReLU features). */
export function blobs(classes: number, dim: number, perClass: { train: number; test: number }, spread: number, seed: number): FeatureSet {
  const rng = new MT19937(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => 1 + 4 * rng.random()));
  const split = (n: number) => {
    const features = new Float32Array(classes * n * dim);
    const labels = new Int32Array(classes * n);
    for (let c = 0; c < classes; c++) {
      for (let i = 0; i < n; i++) {
        const r = c * n + i;
        labels[r] = c;
        for (let d = 0; d < dim; d++) features[r * dim + d] = Math.max(0, centres[c][d] + spread * gauss());
      }
    }
    return { features, labels, count: classes * n, dim };
  };
  return {
    dir: '(in memory)',
    train: split(perClass.train),
    test: split(perClass.test),
    meta: { notes: [] } as unknown as FeatureSet['meta'],
  };
}
