/**
 * npm run mobilenet-input [-- --quick]: at which input size does MobileNet v1 0.25 stop giving useful features?
 * For Fashion-MNIST (28x28, a "32-pixel" dataset) and TinyImageNet (64x64, also shrunk to 32 and 48 as CIFAR-sized
 * images would be), features are extracted at each input size; it counts the feature dimensions that are zero on
 * every training image ("dead": five stride-2 stages leave a 1x1 map at 32x32), and runs NCM and the default GBM
 * on them, one seed. Writes results/mobilenet-input-size/{table.json, table.md}: the measurement behind
 * MOBILENET_MIN_INPUT and the 32-pixel datasets' default input size for MobileNet (src/models/mobilenet.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { extractFeatures } from '../src/features/extract.js';
import { deadDimensions, runExperiment } from '../src/run/runner.js';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';
import { PROJECT_ROOT } from '../src/util/project.js';
import type { Subset } from '../src/features/cache.js';

interface Row {
  dataset: string;
  inputSize: number;
  trainImages: number;
  testImages: number;
  deadFeatures: number;
  featureDim: number;
  ncm: { avg: number; final: number };
  gbm: { avg: number; final: number };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const sizes = quick ? [32, 64] : [32, 48, 64, 96, 128];
  const cases: { dataset: string; subset: Subset; scenario?: { baseClasses: number; tasks: number } }[] = [
    { dataset: 'fashion-mnist', subset: quick ? { trainPerClass: 50, testPerClass: 20 } : { trainPerClass: 1000, testPerClass: 500 } },
    quick
      ? {
          dataset: 'tinyimagenet',
          subset: { classes: Array.from({ length: 20 }, (_, i) => i), trainPerClass: 20, testPerClass: 10 },
          scenario: { baseClasses: 10, tasks: 5 },
        }
      : { dataset: 'tinyimagenet', subset: { trainPerClass: 100, testPerClass: 50 } },
  ];
  const rows: Row[] = [];
  for (const { dataset, subset, scenario } of cases) {
    for (const inputSize of sizes) {
      const features = { dataset, backbone: 'mobilenet', inputSize, subset };
      const feats = await extractFeatures({ ...features, progress: !quick });
      const dead = deadDimensions(feats.train.features, feats.train.count, feats.train.dim);
      const run = async (method: string) => {
        const r = await runExperiment({ features, scenario, method: { name: method } }, { features: feats, progress: false });
        return { avg: 100 * r.summary.averageIncrementalAccuracy, final: 100 * r.summary.finalAccuracy };
      };
      const row: Row = {
        dataset,
        inputSize,
        trainImages: feats.train.count,
        testImages: feats.test.count,
        deadFeatures: dead,
        featureDim: feats.train.dim,
        ncm: await run('ncm'),
        gbm: await run('gbm'),
      };
      rows.push(row);
      console.log(
        `${dataset} @${inputSize}: ${dead}/${row.featureDim} dead features; NCM ${row.ncm.avg.toFixed(2)} / ${row.ncm.final.toFixed(2)} %, GBM ${row.gbm.avg.toFixed(2)} / ${row.gbm.final.toFixed(2)} % (avg inc / final)`,
      );
    }
  }
  const dir = path.join(PROJECT_ROOT, 'results', quick ? 'mobilenet-input-size-quick' : 'mobilenet-input-size');
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, 'table.json'), { command: `npm run mobilenet-input${quick ? ' -- --quick' : ''}`, date: new Date().toISOString(), rows });
  const md = [
    '| dataset | input | train / test images | dead features | NCM avg inc / final (%) | GBM avg inc / final (%) |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.inputSize}x${r.inputSize} | ${r.trainImages} / ${r.testImages} | ${r.deadFeatures} of ${r.featureDim} | ${r.ncm.avg.toFixed(2)} / ${r.ncm.final.toFixed(2)} | ${r.gbm.avg.toFixed(2)} / ${r.gbm.final.toFixed(2)} |`,
    ),
  ].join('\n');
  writeFileAtomic(path.join(dir, 'table.md'), `${md}\n`);
  console.log(`\n${md}\nwrote ${path.relative(process.cwd(), dir)}/table.{json,md}`);
}

void main();
