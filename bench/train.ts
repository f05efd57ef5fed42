/** Benchmark: backbone training steps (ResNet-20, BNN) and the conv-gradient kernels, wasm against tfjs's cpu backend. */
import { switchBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import type { Pass } from '../src/models/layers.js';
import { buildNet } from '../src/models/nets.js';
import { sgdMomentum } from '../src/train/sgd.js';
import type { BenchRow } from './run.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TRAIN_DEFAULTS, trainNet } from '../src/train/trainer.js';
import { PYTHON, peerEnv } from './python.js';

/** Mean ms of `f` over `n` runs after one warm-up run (each run synchronised by reading its result). */
function timeIt(f: () => tf.Tensor, n: number): number {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = f();
    r.dataSync();
    r.dispose();
  }
  return (performance.now() - t0) / n;
}

/** One SGD step of a network on a random batch, as the trainer takes it (forward, backward, update with weight decay, BN moments). */
function stepTime(arch: string, width: number, batch: number, n: number): number {
  const net = buildNet({ arch, inputSize: 32, numClasses: 100, width, bits: 256 }, 1);
  const opt = sgdMomentum(0.05, 0.9, 5e-4); // the trainer's optimizer: weight decay in the update
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 100),
      'int32',
    ),
    100,
  );
  const ms = timeIt(
    () =>
      tf.tidy(() => {
        const pass: Pass = { training: true, updates: [] };
        const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.logits(x, pass)) as tf.Scalar, true, net.params.trainable())!;
        for (const u of pass.updates) u.variable.assign(u.value);
        tf.dispose(pass.updates.map((u) => u.value));
        return cost;
      }),
    n,
  );
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return ms;
}

/** Images per second of the kit's trainer (trainNet) on ResNet-20, 32x32, random images, with `shards` shards on `workers` threads. */
async function trainerImgPerSec(batch: number, steps: number, shards: number, workers: number): Promise<number> {
  const n = batch * (steps + 1);
  const set = {
    images: Uint8Array.from({ length: n * 32 * 32 * 3 }, (_, i) => (i * 2654435761) % 251),
    labels: Int32Array.from({ length: n }, (_, i) => i % 100),
    count: n,
    size: 32,
    classIds: [],
    checksum: 'bench',
  };
  const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 100, width: 1 }, 1);
  let t0 = 0;
  // Timed from the end of the first step (warm-up: kernels compiled, workers started), as the PyTorch peer.
  await trainNet(
    net,
    set,
    null,
    { ...TRAIN_DEFAULTS, epochs: 1, batchSize: batch, augment: true, shards },
    {
      progress: false,
      workers,
      onStep: (b) => {
        if (b === 0) t0 = performance.now();
      },
    },
  );
  const ms = performance.now() - t0;
  net.dispose();
  return (batch * steps) / (ms / 1000);
}

/** `npm run bench -- train-cores`: ResNet-20 training img/s on 1 and 2 cores, beside PyTorch at 1 and 2 threads (bench/torch_train.py). */
export async function benchTrainCores(quick: boolean): Promise<BenchRow[]> {
  await switchBackend('wasm');
  const batch = 128;
  const steps = quick ? 2 : 10;
  const rows: BenchRow[] = [];
  const py = spawnSync(PYTHON, [path.join(__dirname, 'torch_train.py'), String(batch), String(steps), '1,2'], {
    encoding: 'utf8',
    env: peerEnv('default'),
  });
  const torch =
    py.status === 0 ? (JSON.parse(py.stdout.trim().split('\n').pop()!) as { config: string; torch: string; img_per_s: Record<string, number> }) : null;
  const kit1 = await trainerImgPerSec(batch, steps, 1, 1);
  const kit21 = await trainerImgPerSec(batch, steps, 2, 1);
  const kit2 = await trainerImgPerSec(batch, steps, 2, 2);
  rows.push({ what: `kit ResNet-20 training, batch ${batch}, 32x32, 1 core (1 shard)`, value: kit1, unit: 'img/s' });
  rows.push({ what: 'kit, 2 shards of 64 on 1 thread (the cost of half-size batches alone)', value: kit21, unit: 'img/s' });
  rows.push({ what: `kit ResNet-20 training, 2 cores (2 shards on 2 threads)`, value: kit2, unit: 'img/s' });
  rows.push({ what: 'kit 2 cores / 1 core', value: kit2 / kit1, unit: 'x' });
  if (torch) {
    rows.push({ what: `PyTorch ${torch.torch} ResNet-20 training, 1 thread`, value: torch.img_per_s['1'], unit: 'img/s' });
    rows.push({ what: `PyTorch, 2 threads`, value: torch.img_per_s['2'], unit: 'img/s' });
    rows.push({ what: 'PyTorch / kit, 1 core', value: torch.img_per_s['1'] / kit1, unit: 'x' });
    rows.push({ what: 'PyTorch / kit, 2 cores', value: torch.img_per_s['2'] / kit2, unit: 'x' });
    const blas = /BLAS_INFO=(\w+)/.exec(torch.config)?.[1];
    const dnn = /MKL-DNN v([\d.]+)/.exec(torch.config)?.[1];
    rows.push({ what: `PyTorch build: BLAS ${blas ?? 'unknown'}, oneDNN ${dnn ?? 'none'} (convolutions run in oneDNN)`, value: 0, unit: '' });
  } else
    rows.push({ what: `PyTorch peer not run (${(py.stderr || py.error?.message || '').trim().split('\n').pop()}): install python3-torch`, value: 0, unit: '' });
  return rows;
}

export async function benchTrain(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Conv gradients at ResNet-20's first-stage shape: x [32, 32, 32, 16], 3x3, 16 -> 16 channels.
  const kernelShapes: [number, number, number, number][] = [
    [32, 32, 32, 16],
    [32, 16, 16, 32],
  ];
  for (const backend of ['wasm', 'cpu'] as const) {
    await switchBackend(backend);
    for (const [n, h, w, c] of kernelShapes) {
      const x = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 2) as tf.Tensor4D;
      const dy = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
      const f = tf.randomNormal([3, 3, c, c], 0, 1, 'float32', 4) as tf.Tensor4D;
      const reps = backend === 'cpu' || quick ? 1 : 10;
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
      rows.push({
        what: `Conv2DBackpropFilter (${backend}), x [${n},${h},${w},${c}], 3x3x${c}x${c}`,
        value: timeIt(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, c, c] }) as tf.Tensor, reps),
        unit: 'ms',
      });
      rows.push({
        what: `Conv2DBackpropInput (${backend}), same shapes`,
        value: timeIt(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: [n, h, w, c] }) as tf.Tensor, reps),
        unit: 'ms',
      });
      rows.push({ what: `Conv2D forward (${backend}), same shapes`, value: timeIt(() => tf.conv2d(x, f, 1, 'same'), reps), unit: 'ms' });
      tf.dispose([x, dy, f]);
    }
  }
  // Whole training steps: ResNet-20 (width 1 and 0.5) and the BNN at 32x32, batch 32.
  const batch = quick ? 8 : 32;
  for (const [arch, width] of [
    ['resnet20', 1],
    ['resnet20', 0.5],
    ['bnn', 1],
  ] as const) {
    const per: Record<string, number> = {};
    for (const backend of ['wasm', 'cpu'] as const) {
      await switchBackend(backend);
      per[backend] = stepTime(arch, width, batch, backend === 'cpu' || quick ? 1 : 5);
      rows.push({ what: `${arch} width ${width} training step (${backend}), batch ${batch}, 32x32, 100 classes`, value: per[backend], unit: 'ms' });
    }
    rows.push({ what: `${arch} width ${width}: wasm speed-up over cpu`, value: per.cpu / per.wasm, unit: 'x' });
  }
  await switchBackend('wasm');
  return rows;
}
