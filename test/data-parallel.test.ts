import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { buildNet } from '../src/models/nets.js';
import { shardRanges } from '../src/train/shards.js';
import type { ImageSet } from '../src/train/data.js';
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

async function trained(cfg: TrainConfig, workers: number): Promise<Float32Array[]> {
  const net = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
  await trainNet(net, images(96, 3), null, cfg, { progress: false, workers, netSeed: 7 });
  const w = net.params.params.map((p) => p.variable.dataSync() as Float32Array);
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
    let worst = 0;
    one.forEach((a, i) =>
      a.forEach((v, k) => {
        worst = Math.max(worst, Math.abs(v - two[i][k]) / Math.max(1, Math.abs(v)));
      }),
    );
    assert.ok(worst < 1e-5, `max relative difference ${worst}`);
    // Training moved the weights (the comparison is not of two untouched networks).
    const init = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
    const w0 = init.params.params.map((p) => p.variable.dataSync() as Float32Array);
    init.dispose();
    assert.ok(w0.some((a, i) => a.some((v, k) => Math.abs(v - one[i][k]) > 1e-3)));
  });

  it('refuses more shards than images in a batch, and sharding a phase with its own head', async () => {
    const net = buildNet({ arch: 'resnet20', inputSize: 16, numClasses: 4, width: 0.25 }, 7);
    await assert.rejects(
      trainNet(net, images(8, 1), null, { ...TRAIN_DEFAULTS, epochs: 1, batchSize: 4, shards: 5 }, { progress: false }),
      /--shards 5 is more than the batch size 4/,
    );
    await assert.rejects(
      trainNet(net, images(8, 1), null, { ...TRAIN_DEFAULTS, epochs: 1, batchSize: 4, shards: 2 }, { progress: false, logits: (n, x, p) => n.logits(x, p) }),
      /takes the network's own head/,
    );
    net.dispose();
  });
});
