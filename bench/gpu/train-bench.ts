/**
 * GPU training benchmark (see bench/gpu/README.md): ResNet-18 (CIFAR stem) and ResNet-20 training steps, batch 128,
 * at 32x32 and 64x64, on webgpu (GBM_BACKEND overrides), with the kernel-time profile of one step (the kernels that
 * dominate and how many launches a step makes), once with the kit's kernels (split-K implicit-GEMM dW, fused batch
 * norm and SGD update) and once with tfjs-backend-webgpu's stock dW and plain tf ops; then dW alone for each ResNet-18 layer shape, both kernels, and their
 * largest difference. `--quick` runs ResNet-20 at batch 8 only (to check the script on a CPU or a software adapter).
 * Prints markdown for BENCHMARKS.md; bench/gpu/torch_resnet18.py times the same steps in PyTorch.
 */
import os from 'node:os';
import { describeBackend, initBackend } from '../../src/backend/index.js';
import { countWebGpuDispatches } from '../../src/backend/webgpu.js';
import { useKernels } from '../../src/backend/kernels/registry.js';
import { tf } from '../../src/backend/tf.js';
import type { Pass } from '../../src/models/layers.js';
import { buildNet } from '../../src/models/nets.js';
import { sgdMomentum } from '../../src/train/sgd.js';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const backend = await initBackend(process.env.GBM_BACKEND || 'webgpu');
  console.log(`machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model}), node ${process.version}`);
  console.log(`backend: ${describeBackend(backend)}\n`);
  // `kit+mm-dx` adds tfjs's matmul-based Conv2DBackpropInput (off by default in tfjs-backend-webgpu 4.22, whose
  // naive one loops over kh x kw x C_out per input element); it matches the naive one to 1e-6 on the software adapter.
  const kernels = backend.name === 'webgpu' ? (['kit', 'kit+mm-dx', 'stock'] as const) : (['kit'] as const);
  console.log('| network | input | batch | kernels | step (ms) | img/s | kernels per step | GPU dispatches per step | top kernels (ms) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const cases: [string, number, number][] = quick
    ? [['resnet20', 32, 8]]
    : [
        ['resnet20', 32, 128],
        ['resnet18', 32, 128],
        ['resnet18', 64, 128],
      ];
  for (const kernel of kernels)
    for (const [arch, size, batch] of cases) {
      useKernels(kernel === 'stock' ? 'stock' : 'kit');
      tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', kernel !== 'kit+mm-dx');
      const net = buildNet({ arch, inputSize: size, numClasses: 100, width: 1 }, 1);
      const opt = sgdMomentum(0.05, 0.9, 5e-4); // what gbm train-backbone steps with
      const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: batch }, (_, i) => i % 100),
          'int32',
        ),
        100,
      );
      const step = () =>
        tf.tidy(() => {
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
      for (let i = 0; i < n; i++) {
        last?.dispose();
        last = step();
      }
      await last!.data();
      last!.dispose();
      const ms = (performance.now() - t0) / n;
      const prof = await tf.profile(() => {
        step().dispose();
      });
      const dispatches = backend.name === 'webgpu' ? await countWebGpuDispatches(() => step().dispose()) : null;
      const by = new Map<string, number>();
      for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + Number(k.kernelTimeMs) || 0);
      const top = [...by]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ');
      console.log(
        `| ${arch} | ${size}x${size} | ${batch} | ${backend.name === 'webgpu' ? kernel : backend.name} | ${ms.toFixed(1)} | ${((batch / ms) * 1000).toFixed(0)} | ${prof.kernels.length} | ${dispatches ?? '-'} | ${top} |`,
      );
      tf.dispose([x, y]);
      opt.dispose();
      net.dispose();
    }
  if (backend.name === 'webgpu') tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', true);
  if (backend.name === 'webgpu') await filterGradShapes(quick);
}

/** dW alone for the conv shapes of a ResNet-18 (CIFAR stem) step at batch 128, 32x32: both kernels, and their difference. */
async function filterGradShapes(quick: boolean): Promise<void> {
  console.log('\n| x | filter | stride | gbm dW (ms) | stock dW (ms) | max abs diff / max abs |');
  console.log('|---|---|---|---|---|---|');
  const b = quick ? 8 : 128;
  const shapes: [number[], number[], number][] = [
    [[b, 32, 32, 3], [3, 3, 3, 64], 1],
    [[b, 32, 32, 64], [3, 3, 64, 64], 1],
    [[b, 32, 32, 64], [3, 3, 64, 128], 2],
    [[b, 16, 16, 128], [3, 3, 128, 128], 1],
    [[b, 16, 16, 128], [3, 3, 128, 256], 2],
    [[b, 8, 8, 256], [3, 3, 256, 256], 1],
    [[b, 8, 8, 256], [3, 3, 256, 512], 2],
    [[b, 4, 4, 512], [3, 3, 512, 512], 1],
    [[b, 32, 32, 64], [1, 1, 64, 128], 2],
  ];
  for (const [xs, fs, s] of shapes) {
    const x = tf.randomNormal(xs as [number, number, number, number], 0, 1, 'float32', 1) as tf.Tensor4D;
    const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], fs as [number, number, number, number], s, 1, 'same');
    const dy = tf.randomNormal([xs[0], info.outHeight, info.outWidth, fs[3]], 0, 1, 'float32', 2) as tf.Tensor4D;
    const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: fs } as unknown as tf.NamedAttrMap;
    const time = async (kernel: 'kit' | 'stock') => {
      useKernels(kernel);
      const once = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      const w = once();
      const values = await w.data();
      w.dispose();
      const n = quick ? 2 : 10;
      const t0 = performance.now();
      const outs = Array.from({ length: n }, once);
      await outs[n - 1].data();
      const ms = (performance.now() - t0) / n;
      tf.dispose(outs);
      return { ms, values };
    };
    const ours = await time('kit');
    const stock = await time('stock');
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < ours.values.length; i++) {
      diff = Math.max(diff, Math.abs(ours.values[i] - stock.values[i]));
      scale = Math.max(scale, Math.abs(stock.values[i]));
    }
    console.log(`| ${xs.join('x')} | ${fs.join('x')} | ${s} | ${ours.ms.toFixed(2)} | ${stock.ms.toFixed(2)} | ${(diff / scale).toExponential(1)} |`);
    tf.dispose([x, dy]);
  }
  useKernels('kit');
}

void main();
