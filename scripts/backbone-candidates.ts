/**
 * npm run candidates [-- --budget-min M]: which backbone learns TinyImageNet's 100 base classes best in equal CPU
 * time? Each candidate's training throughput is probed (random images, every core), then it trains on the real
 * base classes for two epochs over a per-class subset sized so that the two epochs take about M minutes, with
 * validation on all the base classes' val images after each epoch. Writes results/backbone-candidates/
 * {candidates.json, candidates.md}: the short-run evidence for the network the kit's default is trained as.
 * `--only N[,M]` measures just those candidates (1-based) and keeps the other rows of an earlier candidates.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { buildNet } from '../src/models/nets.js';
import type { NetConfig } from '../src/models/net.js';
import { trainBackbone } from '../src/train/train-backbone.js';
import { TRAIN_DEFAULTS, trainNet } from '../src/train/trainer.js';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.js';

interface Candidate {
  name: string;
  arch: string;
  width: number;
  inputSize: number;
  stemStride?: number;
}

const CANDIDATES: Candidate[] = [
  { name: 'ResNet-20, width 1, 32x32', arch: 'resnet20', width: 1, inputSize: 32 },
  { name: 'ResNet-20, width 2, 32x32', arch: 'resnet20', width: 2, inputSize: 32 },
  { name: 'ResNet-18, width 0.5, 32x32', arch: 'resnet18', width: 0.5, inputSize: 32 },
  { name: 'ResNet-20, width 1, 64x64, stride-2 stem', arch: 'resnet20', width: 1, inputSize: 64, stemStride: 2 },
];

/** Training images per second of a candidate on random data, batch 128, one shard per core (steps 2-7 timed). */
async function throughput(c: Candidate): Promise<number> {
  const batch = 128;
  const steps = 6;
  const n = batch * (steps + 1);
  const size = c.inputSize;
  const set = {
    images: Uint8Array.from({ length: n * size * size * 3 }, (_, i) => (i * 2654435761) % 251),
    labels: Int32Array.from({ length: n }, (_, i) => i % 100),
    count: n,
    size,
    classIds: [],
    checksum: 'probe',
  };
  const config: NetConfig = { arch: c.arch, inputSize: size, numClasses: 100, width: c.width, ...(c.stemStride ? { stemStride: c.stemStride } : {}) };
  const net = buildNet(config, 1);
  let t0 = 0;
  const cores = os.availableParallelism();
  await trainNet(
    net,
    set,
    null,
    { ...TRAIN_DEFAULTS, epochs: 1, batchSize: batch, shards: cores },
    {
      progress: false,
      workers: cores,
      onStep: (b) => {
        if (b === 0) t0 = performance.now();
      },
    },
  );
  net.dispose();
  return (batch * steps) / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const budgetMin = Number(args[args.indexOf('--budget-min') + 1] ?? 6) || 6;
  await initBackend('wasm');
  const root = path.resolve(__dirname, '..');
  const outDir = path.join(root, 'results', 'backbone-candidates');
  const onlyAt = args.indexOf('--only');
  const only =
    onlyAt >= 0
      ? new Set(
          String(args[onlyAt + 1] ?? '')
            .split(',')
            .map((v) => Number(v) - 1),
        )
      : null;
  if (only && [...only].some((i) => !Number.isInteger(i) || i < 0 || i >= CANDIDATES.length)) {
    throw new Error(`--only ${args[onlyAt + 1]}: expected candidate numbers 1..${CANDIDATES.length}, comma-separated`);
  }
  const jsonPath = path.join(outDir, 'candidates.json');
  const earlier: Array<Record<string, unknown>> = only && fs.existsSync(jsonPath) ? (JSON.parse(fs.readFileSync(jsonPath, 'utf8')).rows ?? []) : [];
  const rows: Array<Record<string, unknown>> = CANDIDATES.flatMap((c, i) => (only && !only.has(i) ? earlier.filter((r) => r.candidate === c.name) : []));
  for (const [i, c] of CANDIDATES.entries()) {
    if (only && !only.has(i)) continue;
    const imgPerSec = await throughput(c);
    // Two epochs in the budget: images per class = budget x throughput / (2 epochs x 100 classes), within [20, 500].
    const perClass = Math.max(20, Math.min(500, Math.round((budgetMin * 60 * imgPerSec) / (2 * 100))));
    console.log(`${c.name}: ${imgPerSec.toFixed(1)} img/s training on ${os.availableParallelism()} cores -> ${perClass} images per class`);
    const rec = await trainBackbone({
      arch: c.arch,
      dataset: 'tinyimagenet',
      inputSize: c.inputSize,
      width: c.width,
      stemStride: c.stemStride,
      trainPerClass: perClass,
      train: { epochs: 2, warmupEpochs: 0.2 },
      ste: { epochs: 0 },
      out: path.join(os.tmpdir(), `gbm-candidate-${c.arch}-${c.width}-${c.inputSize}`),
      fresh: true,
      progress: true,
    });
    const row = {
      candidate: c.name,
      ...c,
      imgPerSecProbe: imgPerSec,
      trainPerClass: perClass,
      trainImages: rec.data.trainImages,
      minutes: rec.environment.seconds / 60,
      valAccPerEpoch: rec.epochs.map((e) => e.valAcc),
      finalValAcc: rec.final.valAcc,
      deployedKiB: rec.deployedBits / 8 / 1024,
    };
    rows.push(row);
    rows.sort((a, b) => CANDIDATES.findIndex((k) => k.name === a.candidate) - CANDIDATES.findIndex((k) => k.name === b.candidate));
    console.log(
      `${c.name}: val accuracy per epoch ${row.valAccPerEpoch.map((v) => (100 * (v ?? NaN)).toFixed(2)).join(', ')} % in ${row.minutes.toFixed(1)} min`,
    );
    writeJsonAtomic(jsonPath, {
      format: 'gbm-candidates/1',
      budgetMinutes: budgetMin,
      date: new Date().toISOString(),
      machine: `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'})`,
      rows,
    });
  }
  const md = [
    '| candidate | training img/s (probe) | images per class | minutes | val top-1 after epoch 1 / 2 (%) | F (KiB) |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.candidate} | ${(r.imgPerSecProbe as number).toFixed(1)} | ${r.trainPerClass} | ${(r.minutes as number).toFixed(1)} | ${(r.valAccPerEpoch as number[]).map((v) => (100 * v).toFixed(2)).join(' / ')} | ${(r.deployedKiB as number).toFixed(0)} |`,
    ),
  ].join('\n');
  writeFileAtomic(path.join(outDir, 'candidates.md'), `${md}\n`);
  console.log(`\n${md}\nwrote ${path.relative(process.cwd(), outDir)}/{candidates.json, candidates.md}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
