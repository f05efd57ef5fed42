import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { writeFileAtomic } from '../util/atomic.js';
import { sha256 } from '../util/hash.js';
import type { HeavisideConfig } from './binarizer.js';
import { fitHeaviside, HeavisideBinarizer } from './heaviside.js';

/** Bump when the Heaviside training or the file layout changes. */
const FORMAT = 'gbm-heaviside/1';

/**
 * A trained Heaviside binarizer depends only on its config, seed and base-task data, not on K, mu precision or
 * the classifier: cache it under `dir`, keyed by a hash of all three, so sweeps over K train it once per seed.
 * The file holds the float32 parameters exactly, so a cached binarizer gives the same codes as a fresh one.
 */
export async function fitHeavisideCached(dir: string, config: HeavisideConfig, x: Float32Array, y: Int32Array, n: number, d: number, numClasses: number, seed: number): Promise<HeavisideBinarizer> {
  const data = sha256(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) + sha256(new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  const key = sha256(JSON.stringify({ FORMAT, config, seed, n, d, numClasses, data })).slice(0, 16);
  const file = path.join(dir, `heaviside-${key}.bin`);
  const sizes = [d, d, d * config.bits, config.bits];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (fs.existsSync(file)) {
    const raw = fs.readFileSync(file);
    if (raw.length === total * 4) {
      const all = new Float32Array(Uint8Array.from(raw).buffer);
      let o = 0;
      const [mean, std, W, b] = sizes.map((s) => all.subarray(o, (o += s)));
      const [tm, ts, tW, tb] = tf.tidy(() => [tf.tensor1d(mean), tf.tensor1d(std), tf.variable(tf.tensor2d(W, [d, config.bits])), tf.variable(tf.tensor1d(b))]);
      return new HeavisideBinarizer(config, tm as tf.Tensor1D, ts as tf.Tensor1D, tW as tf.Variable, tb as tf.Variable);
    }
    // A truncated or stale file: train again and replace it.
  }
  const bin = await fitHeaviside(config, x, y, n, d, numClasses, seed);
  const parts = await Promise.all(bin.parameters().map((t) => t.data() as Promise<Float32Array>));
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  writeFileAtomic(file, new Uint8Array(all.buffer));
  return bin;
}
