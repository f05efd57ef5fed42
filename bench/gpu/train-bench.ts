/**
 * GPU training benchmark (see bench/gpu/README.md): ResNet-18 (CIFAR stem) and ResNet-20 training steps, batch 128,
 * at 32x32 and 64x64, on the backend `auto` picks (webgpu on a GPU), with the kernel-time profile of one step (the
 * kernels that dominate and how many launches a step makes). `--quick` runs ResNet-20 at batch 8 only (to check the
 * script on a CPU). Prints markdown for BENCHMARKS.md; bench/gpu/torch_resnet18.py times the same steps in PyTorch.
 */
import os from 'node:os';
import { describeBackend, initBackend } from '../../src/backend/index.js';
import { tf } from '../../src/backend/tf.js';
import type { Pass } from '../../src/models/layers.js';
import { buildNet } from '../../src/models/nets.js';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const backend = await initBackend(process.env.GBM_BACKEND || 'auto');
  console.log(`machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model}), node ${process.version}`);
  console.log(`backend: ${describeBackend(backend)}\n`);
  console.log('| network | input | batch | step (ms) | img/s | kernels per step | top kernels (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  const cases: [string, number, number][] = quick ? [['resnet20', 32, 8]] : [['resnet20', 32, 128], ['resnet18', 32, 128], ['resnet18', 64, 128]];
  for (const [arch, size, batch] of cases) {
    const net = buildNet({ arch, inputSize: size, numClasses: 100, width: 1 }, 1);
    const opt = tf.train.momentum(0.05, 0.9);
    const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 100), 'int32'), 100);
    const step = () => tf.tidy(() => {
      const pass: Pass = { training: true, updates: [] };
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.logits(x, pass)) as tf.Scalar, true, net.params.trainable())!;
      for (const u of pass.updates) u.variable.assign(u.value);
      tf.dispose(pass.updates.map((u) => u.value));
      return cost;
    });
    for (let i = 0; i < 3; i++) await step().data(); // compile shaders, warm up
    const n = quick ? 2 : 10;
    const t0 = performance.now();
    let last: tf.Scalar | null = null;
    for (let i = 0; i < n; i++) { last?.dispose(); last = step(); }
    await last!.data();
    last!.dispose();
    const ms = (performance.now() - t0) / n;
    const prof = await tf.profile(() => { step().dispose(); });
    const by = new Map<string, number>();
    for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + Number(k.kernelTimeMs) || 0);
    const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
    console.log(`| ${arch} | ${size}x${size} | ${batch} | ${ms.toFixed(1)} | ${(batch / ms * 1000).toFixed(0)} | ${prof.kernels.length} | ${top} |`);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  }
}

void main();
