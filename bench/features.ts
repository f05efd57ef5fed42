/** Benchmark: TinyImageNet feature extraction at 64x64 (zip read + JPEG decode + MobileNet forward), end to end. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { openDataset } from '../src/data/registry.js';
import { extractFeatures } from '../src/features/extract.js';
import { imagesToBatch } from '../src/models/backbone.js';
import { loadBackbone, locateBackbone } from '../src/models/registry.js';
import type { BenchRow } from './run.js';

/** Run the feature-extraction benchmark; quick = 20 classes instead of all 200. */
export async function benchFeatures(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  await initBackend('wasm');
  const ds = await openDataset('tinyimagenet');

  // Decode alone, one thread.
  let t = performance.now();
  const n = 2000;
  for (let i = 0; i < n; i++) ds.image('train', (i * 37) % ds.size('train'));
  rows.push({ what: 'zip read + JPEG decode, 1 thread', value: n / ((performance.now() - t) / 1000), unit: 'img/s' });

  // Forward alone, one thread, batch 128.
  const bb = await loadBackbone(await locateBackbone('mobilenet', 64, 'tinyimagenet'));
  const batch = Array.from({ length: 128 }, (_, i) => ds.image('train', i));
  const x = imagesToBatch(batch, 64);
  tf.tidy(() => bb.embed(x).dataSync());
  t = performance.now();
  const reps = 8;
  for (let r = 0; r < reps; r++) tf.tidy(() => bb.embed(x).dataSync());
  rows.push({ what: 'MobileNet forward 64x64, batch 128, 1 thread (wasm)', value: (reps * 128) / ((performance.now() - t) / 1000), unit: 'img/s' });
  x.dispose();
  bb.dispose();
  ds.close();

  // End to end into a fresh cache, all cores.
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gbm-bench-'));
  try {
    const subset = quick ? { classes: Array.from({ length: 20 }, (_, i) => i) } : undefined;
    t = performance.now();
    const r = await extractFeatures({ dataset: 'tinyimagenet', cacheRoot: cache, subset, progress: true, log: () => {} });
    const secs = (performance.now() - t) / 1000;
    const images = r.train.count + r.test.count;
    rows.push({ what: `end to end, ${images} images, ${r.meta.extraction.workers} worker threads, cold cache`, value: images / secs, unit: 'img/s' });
    rows.push({ what: 'end to end, wall time', value: secs, unit: 's' });
    t = performance.now();
    const again = await extractFeatures({ dataset: 'tinyimagenet', cacheRoot: cache, subset, progress: false });
    if (!again.fromCache) throw new Error('second run did not use the cache');
    rows.push({ what: 'second use (cache load + checksum check)', value: (performance.now() - t) / 1000, unit: 's' });
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
  rows.push({ what: 'peak resident memory of the process (all threads)', value: process.resourceUsage().maxRSS / 1024, unit: 'MB' });
  return rows;
}
