/**
 * The default GBM experiment (what `npm start` runs) on a copied feature cache folder, on the backend `auto`
 * picks (webgpu on a GPU) and then on wasm, in one process: `node main-job.js <cache folder>`. For machines
 * that cannot hold the dataset; see bench/gpu/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeBackend, initBackend } from '../../src/backend/index.js';
import { runExperiment, type RunResult } from '../../src/run/runner.js';
import { loadEntry, type FeatureMeta } from '../../src/features/cache.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as FeatureMeta;
  const feats = loadEntry(dir, meta.key);
  if ('invalid' in feats) throw new Error(`feature cache ${dir}: ${feats.invalid}`);
  const runs: { backend: string; r: RunResult; wall: number }[] = [];
  for (const backend of ['auto', 'wasm']) {
    process.env.GBM_BACKEND = backend;
    const b = await initBackend(backend);
    console.log(`backend: ${describeBackend(b)}`);
    const t0 = performance.now();
    const r = await runExperiment({}, { features: feats, progress: false });
    runs.push({ backend: b.name, r, wall: (performance.now() - t0) / 1000 });
  }
  const sum = (r: RunResult, k: 'binarize' | 'memory' | 'train' | 'eval') => r.steps.reduce((s, x) => s + x.seconds[k], 0).toFixed(1);
  console.log(`\n| ${runs[0].r.name} | ${runs.map((x) => x.backend).join(' | ')} |`);
  console.log(`|---|${runs.map(() => '---|').join('')}`);
  console.log(`| wall time (s) | ${runs.map((x) => x.wall.toFixed(1)).join(' | ')} |`);
  for (const k of ['binarize', 'memory', 'train', 'eval'] as const) console.log(`| ${k} (s) | ${runs.map((x) => sum(x.r, k)).join(' | ')} |`);
  console.log(`| A_t per step (%) | ${runs.map((x) => x.r.steps.map((s) => (100 * s.accuracy).toFixed(2)).join(' ')).join(' | ')} |`);
  console.log(
    `| average incremental / final accuracy (%) | ${runs.map((x) => `${(100 * x.r.summary.averageIncrementalAccuracy).toFixed(2)} / ${(100 * x.r.summary.finalAccuracy).toFixed(2)}`).join(' | ')} |`,
  );
}

void main();
