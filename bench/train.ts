/** Benchmark: backbone training steps (ResNet-20, BNN) and the conv-gradient kernels, wasm against tfjs's cpu backend. */
import { switchBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import type { Pass } from '../src/models/layers.js';
import { buildNet } from '../src/models/nets.js';
import { SgdMomentum } from '../src/train/sgd.js';
import type { BenchRow } from './run.js';

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
  const opt = new SgdMomentum(0.05, 0.9, 5e-4); // the trainer's optimizer: weight decay in the update
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 100), 'int32'), 100);
  const ms = timeIt(() => tf.tidy(() => {
    const pass: Pass = { training: true, updates: [] };
    const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.logits(x, pass)) as tf.Scalar, true, net.params.trainable())!;
    for (const u of pass.updates) u.variable.assign(u.value);
    tf.dispose(pass.updates.map((u) => u.value));
    return cost;
  }), n);
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return ms;
}

export async function benchTrain(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Conv gradients at ResNet-20's first-stage shape: x [32, 32, 32, 16], 3x3, 16 -> 16 channels.
  const kernelShapes: [number, number, number, number][] = [[32, 32, 32, 16], [32, 16, 16, 32]];
  for (const backend of ['wasm', 'cpu'] as const) {
    await switchBackend(backend);
    for (const [n, h, w, c] of kernelShapes) {
      const x = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 2) as tf.Tensor4D;
      const dy = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
      const f = tf.randomNormal([3, 3, c, c], 0, 1, 'float32', 4) as tf.Tensor4D;
      const reps = backend === 'cpu' || quick ? 1 : 10;
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
      rows.push({ what: `Conv2DBackpropFilter (${backend}), x [${n},${h},${w},${c}], 3x3x${c}x${c}`, value: timeIt(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, c, c] }) as tf.Tensor, reps), unit: 'ms' });
      rows.push({ what: `Conv2DBackpropInput (${backend}), same shapes`, value: timeIt(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: [n, h, w, c] }) as tf.Tensor, reps), unit: 'ms' });
      rows.push({ what: `Conv2D forward (${backend}), same shapes`, value: timeIt(() => tf.conv2d(x, f, 1, 'same'), reps), unit: 'ms' });
      tf.dispose([x, dy, f]);
    }
  }
  // Whole training steps: ResNet-20 (width 1 and 0.5) and the BNN at 32x32, batch 32.
  const batch = quick ? 8 : 32;
  for (const [arch, width] of [['resnet20', 1], ['resnet20', 0.5], ['bnn', 1]] as const) {
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
