import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import type { TrainableNet } from '../src/models/net.js';
import { buildNet } from '../src/models/nets.js';
import { shardRanges } from '../src/train/shards.js';
import type { ImageSet } from '../src/train/data.js';
import { steFinetune } from '../src/train/ste-phase.js';
import { TRAIN_DEFAULTS, trainNet, type TrainConfig } from '../src/train/trainer.js';
import { MT19937 } from '../src/util/mt19937.js';

/** n random 16x16 images in 4 classes, each class a different mean colour (learnable). */
function images(n: number, seed: number): ImageSet {
  const rng = new MT19937(seed);
  const size = 16;
  const imgs = new Uint8Array(n * size * size * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let p = 0; p < size * size; p++)
      for (let ch = 0; ch < 3; ch++) imgs[(i * size * size + p) * 3 + ch] = Math.min(255, Math.floor(60 * ((labels[i] + ch) % 4) + 40 * rng.random()));
  }
  return { images: imgs, labels, count: n, size, classIds: [0, 1, 2, 3], checksum: `synthetic-${seed}` };
}

function weightsOf(net: TrainableNet): Float32Array[] {
  return net.params.params.map((p) => p.variable.dataSync() as Float32Array);
}

/** Largest |a - b| / max(1, |a|) over every value of two weight lists. */
function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) =>
    x.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - b[i][k]) / Math.max(1, Math.abs(v)));
    }),
  );
  return worst;
}

async function trained(cfg: TrainConfig, workers: number): Promise<Float32Array[]> {
  const net = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
  await trainNet(net, images(96, 3), null, cfg, { progress: false, workers, netSeed: 7 });
  const w = weightsOf(net);
  net.dispose();
  return w;
}

describe('data-parallel backbone training (shards on worker threads)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('cuts a batch into near-equal contiguous shards', () => {
    assert.deepEqual(shardRanges(10, 3), [
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    assert.deepEqual(shardRanges(3, 8), [
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    assert.deepEqual(shardRanges(128, 1), [[0, 128]]);
  });

  it('two threads end with the weights of one thread computing the same shards (batch-norm statistics included)', async () => {
    const cfg: TrainConfig = { ...TRAIN_DEFAULTS, epochs: 2, batchSize: 32, lr: 0.05, warmupEpochs: 0, shards: 2, seed: 5 };
    const one = await trained(cfg, 1);
    const two = await trained(cfg, 2);
    const worst = maxRelDiff(one, two);
    assert.ok(worst < 1e-5, `max relative difference ${worst}`);
    // Training moved the weights (the comparison is not of two untouched networks).
    const init = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
    const w0 = weightsOf(init);
    init.dispose();
    assert.ok(maxRelDiff(w0, one) > 1e-3);
  });

  it('the STE phase on two threads ends with the weights of one unsharded thread (batch norm frozen: shards only reorder sums)', async () => {
    const set = images(96, 3);
    const ste = { epochs: 2, lr: 0.05, levels: 2, percentile: 75, head: 'fit' as const };
    const run = async (shards: number, workers: number) => {
      const net = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
      const w0 = weightsOf(net);
      const r = await steFinetune(net, set, set, ste, { progress: false, seed: 3, shards, workers, netSeed: 7 });
      const w = weightsOf(net);
      net.dispose();
      return { w0, w, r };
    };
    const one = await run(1, 1);
    const two = await run(2, 2);
    assert.ok(maxRelDiff(one.w, two.w) < 1e-5, `max relative difference ${maxRelDiff(one.w, two.w)}`);
    // F moved through the thermometer (the comparison is not of two untouched networks), and both validated alike.
    assert.ok(maxRelDiff(one.w0, one.w) > 1e-3);
    assert.deepEqual(
      two.r.records.map((e) => e.valAcc),
      one.r.records.map((e) => e.valAcc),
    );
  });

  it('refuses more shards than images in a batch', async () => {
    const net = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
    await assert.rejects(
      trainNet(net, images(8, 1), null, { ...TRAIN_DEFAULTS, epochs: 1, batchSize: 4, shards: 5 }, { progress: false }),
      /--shards 5 is more than the batch size 4/,
    );
    net.dispose();
  });
});
