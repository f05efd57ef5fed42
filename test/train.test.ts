import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { tf } from '../src/backend/tf.js';
import { runExperiment } from '../src/run/runner.js';
import { defaultBackbone, openDataset } from '../src/data/registry.js';
import { loadNet, saveNet } from '../src/models/checkpoint.js';
import { batchNorm, batchNormTrain, INFERENCE, type Pass } from '../src/models/layers.js';
import { buildNet } from '../src/models/nets.js';
import { ParamStore } from '../src/models/params.js';
import { loadBackbone, locateBackbone } from '../src/models/registry.js';
import { randomCropFlip } from '../src/train/augment.js';
import { batchOf, loadImageSet, type ImageSet } from '../src/train/data.js';
import { fitSteHead, inferenceFeatures, rangeOf, steFinetune, STE_DEFAULTS } from '../src/train/ste-phase.js';
import { buildLossPath } from '../src/train/loss-path.js';
import { resolveTrainBackbone, trainBackbone } from '../src/train/train-backbone.js';
import { trainOptionsFrom } from '../src/cli/train.js';
import { evaluate, TRAIN_DEFAULTS, trainNet, type TrainConfig } from '../src/train/trainer.js';
import { GbmError } from '../src/util/errors.js';
import { MT19937 } from '../src/util/mt19937.js';
import { python, tmpDir, withEnv } from './helpers.js';

const weightsOf = (net: { params: ParamStore }) => net.params.params.map((p) => ({ name: p.name, v: Float32Array.from(p.variable.dataSync()) }));

describe('backbone training', function () {
  this.timeout(240000);
  let train: ImageSet;
  let val: ImageSet;
  before(async () => {
    await initBackend('wasm');
    // Fashion-MNIST (Debian's dataset-fashion-mnist; CI installs it): a tiny real subset of 4 classes.
    const ds = await openDataset('fashion-mnist');
    train = await loadImageSet(ds, 'train', [0, 1, 5, 8], 32, { perClass: 120, progress: false });
    val = await loadImageSet(ds, 'test', [0, 1, 5, 8], 32, { perClass: 50, progress: false });
    ds.close();
  });

  it("batch norm's analytic gradient equals autodiff through the batch moments", () => {
    const x = tf.randomNormal([3, 4, 4, 5], 0.5, 2, 'float32', 9) as tf.Tensor4D;
    const g = tf.tensor1d([1.5, -0.5, 2, 1, 0.3]);
    const b = tf.tensor1d([0.1, 0.2, -0.3, 0, 1]);
    const w = tf.randomNormal([3, 4, 4, 5], 0, 1, 'float32', 10);
    let moments: tf.Tensor[] = [];
    const ours = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(
        tf.mul(
          batchNormTrain(xi as tf.Tensor4D, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5, (m, v) => {
            moments = [tf.keep(m), tf.keep(v)];
          }),
          w,
        ),
      ),
    );
    const ref = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
      const m = tf.moments(xi, [0, 1, 2]);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(xi, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), gi), bi), w));
    });
    const a = ours([x, g, b]).map((t) => Array.from(t.dataSync()));
    const r = ref([x, g, b]).map((t) => Array.from(t.dataSync()));
    ['dx', 'dgamma', 'dbeta'].forEach((name, k) => {
      const scale = Math.max(...r[k].map(Math.abs), 1);
      r[k].forEach((v, i) => assert.ok(Math.abs(a[k][i] - v) < 1e-4 * scale, `${name}[${i}]: ${a[k][i]} vs ${v}`));
    });
    // The batch moments handed out for the running averages are the biased ones of the batch.
    const xv = x.dataSync();
    const mean0 = Array.from({ length: 48 }, (_, i) => xv[i * 5]).reduce((s, v) => s + v, 0) / 48;
    assert.ok(Math.abs(moments[0].dataSync()[0] - mean0) < 1e-4);
    tf.dispose(moments);
  });

  it('batch norm in inference mode uses the running moments; training mode queues their update', () => {
    const ps = new ParamStore(3);
    const bn = batchNorm(ps, 'bn', 2);
    const x = tf.tensor4d([1, 10, 3, 20, 5, 30, 7, 40], [4, 1, 1, 2]);
    // Running moments start at 0 and 1: y = x / sqrt(1 + eps).
    assert.ok(Array.from(bn(x, INFERENCE).dataSync()).every((v, i) => Math.abs(v - x.dataSync()[i] / Math.sqrt(1 + 1e-5)) < 1e-4));
    const pass: Pass = { training: true, updates: [] };
    bn(x, pass);
    assert.equal(pass.updates.length, 2);
    // mean 0.9 * 0 + 0.1 * [4, 25]; variance 0.9 * 1 + 0.1 * unbiased [20/3, 500/3].
    assert.deepEqual(
      Array.from(pass.updates[0].value.dataSync()).map((v) => +v.toFixed(4)),
      [0.4, 2.5],
    );
    assert.deepEqual(
      Array.from(pass.updates[1].value.dataSync()).map((v) => +v.toFixed(4)),
      [+(0.9 + 2 / 3).toFixed(4), +(0.9 + 50 / 3).toFixed(4)],
    );
    tf.dispose(pass.updates.map((u) => u.value));
    ps.dispose();
  });

  for (const padding of ['same', 'symmetric'] as const) {
    it(`ResNet-20's embedding with batch norm folded into the convolutions equals the unfolded inference pass (${padding} padding)`, () => {
      const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 10, width: 1, padding }, 4);
      // Running moments and affine parameters far from their initial 0 / 1, so that folding has work to do.
      const rng = new MT19937(5);
      for (const p of net.params.params) {
        const n = p.variable.size;
        if (/moving_variance|gamma/.test(p.name))
          p.variable.assign(
            tf.tensor(
              Float32Array.from({ length: n }, () => 0.3 + 2 * rng.random()),
              p.variable.shape,
            ),
          );
        if (/moving_mean|beta/.test(p.name))
          p.variable.assign(
            tf.tensor(
              Float32Array.from({ length: n }, () => rng.random() - 0.5),
              p.variable.shape,
            ),
          );
      }
      const x = tf.randomUniform([6, 32, 32, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
      const folded = net.embed(x).dataSync();
      const unfolded = tf.tidy(() => net.features(x, INFERENCE)).dataSync();
      const scale = Math.max(...unfolded.map(Math.abs));
      const worst = Math.max(...folded.map((v, i) => Math.abs(v - unfolded[i])));
      assert.ok(scale > 0.1 && worst < 1e-4 * scale, `largest difference ${worst} against values up to ${scale}`);
      x.dispose();
      net.dispose();
    });
  }

  it('crops and flips by exact pixel copies (one op for the batch)', () => {
    const x = tf.tensor4d(
      Float32Array.from({ length: 2 * 6 * 6 * 1 }, (_, i) => i),
      [2, 6, 6, 1],
    );
    const rng = new MT19937(4);
    const probe = new MT19937(4);
    const out = randomCropFlip(x, 2, rng).arraySync() as number[][][][];
    const xa = x.arraySync() as number[][][][];
    for (let n = 0; n < 2; n++) {
      const top = probe.interval(4) - 2;
      const left = probe.interval(4) - 2;
      const flip = probe.interval(1) === 1;
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          const sj = flip ? 5 - j : j;
          const yy = i + top;
          const xx = sj + left;
          const want = yy < 0 || yy >= 6 || xx < 0 || xx >= 6 ? -1 : xa[n][yy][xx][0];
          assert.ok(Math.abs(out[n][i][j][0] - want) < 1e-3, `n${n} (${i},${j}): ${out[n][i][j][0]} vs ${want}`);
        }
      }
    }
  });

  const configs: [string, TrainConfig][] = [
    ['resnet20', { ...TRAIN_DEFAULTS, epochs: 3, batchSize: 32, lr: 0.05, warmupEpochs: 0.5 }],
    ['bnn', { ...TRAIN_DEFAULTS, epochs: 3, batchSize: 32, optimizer: 'adam', lr: 0.005, weightDecay: 0, augment: false }],
  ];
  for (const [arch, cfg] of configs) {
    it(`${arch}: loss falls and validation accuracy rises well above chance on real images`, async () => {
      const net = buildNet({ arch, inputSize: 32, numClasses: 4, width: arch === 'bnn' ? 0.5 : 0.5, bits: 64 }, 7);
      const before = await evaluate(net, val);
      const { records } = await trainNet(net, train, val, cfg, { progress: false });
      assert.equal(records.length, 3);
      assert.ok(records[2].trainLoss < records[0].trainLoss, `loss ${records.map((r) => r.trainLoss.toFixed(3))}`);
      assert.ok(records[2].valAcc! > 0.6, `val accuracy ${records[2].valAcc} (chance 0.25; before ${before.acc})`);
      net.dispose();
    });
  }

  for (const [arch, cfg] of configs) {
    it(`${arch}: an interrupted run resumed from its checkpoint ends with the uninterrupted run's weights`, async () => {
      const c = { ...cfg, epochs: 2 };
      const netCfg = { arch, inputSize: 32, numClasses: 4, width: 0.25, bits: 32 };
      const a = buildNet(netCfg, 11);
      await trainNet(a, train, null, c, { progress: false });
      const dir = tmpDir('ckpt');
      const b1 = buildNet(netCfg, 11);
      const first = await trainNet(b1, train, null, c, { progress: false, checkpointDir: dir, stopAfter: 1 });
      assert.equal(first.records.length, 1);
      b1.dispose();
      const b2 = buildNet(netCfg, 99); // other initial weights: the checkpoint must replace them
      const second = await trainNet(b2, train, null, c, { progress: false, checkpointDir: dir });
      assert.equal(second.resumedFrom, 1);
      assert.equal(second.records.length, 2);
      const wa = weightsOf(a);
      const wb = weightsOf(b2);
      wa.forEach((p, i) => assert.deepEqual(wb[i].v, p.v, `${p.name} differs after resume`));
      // Another run's checkpoint is refused, naming what differs.
      const other = buildNet(netCfg, 11);
      await assert.rejects(
        trainNet(other, train, null, { ...c, lr: c.lr * 2 }, { progress: false, checkpointDir: dir }),
        /made by another run \(differs in train\.lr\)/,
      );
      tf.dispose([]);
      [a, b2, other].forEach((n) => n.dispose());
    });
  }

  it('the STE phase trains F through the thermometer and changes its features', async () => {
    const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 4, width: 0.25 }, 5);
    await trainNet(net, train, null, { ...TRAIN_DEFAULTS, epochs: 2, batchSize: 32, lr: 0.05 }, { progress: false });
    const before = weightsOf(net);
    const r = await steFinetune(net, train, val, { epochs: 3, lr: 0.05, levels: 1, percentile: 75, head: 'random' }, { progress: false, seed: 1 });
    assert.equal(r.records.length, 3);
    assert.equal(r.range.length, net.featureDim);
    assert.ok(r.range.every((c) => c > 0));
    assert.ok(r.records[2].valAcc! > 0.4, `accuracy through the bits ${r.records[2].valAcc} (chance 0.25)`);
    const after = weightsOf(net);
    assert.ok(
      after.some((p, i) => p.v.some((v, k) => v !== before[i].v[k])),
      'F changed',
    );
    assert.ok(
      after.find((p) => p.name === 'head/kernel')!.v.every((v, k) => v === before.find((q) => q.name === 'head/kernel')!.v[k]),
      "F's own head is left alone",
    );
    net.dispose();
  });

  it("the STE head starts from G fitted on the frozen codes: the path's logits are thermometer codes times that head", async () => {
    const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 4, width: 0.25 }, 5);
    await trainNet(net, train, null, { ...TRAIN_DEFAULTS, epochs: 2, batchSize: 32, lr: 0.05 }, { progress: false });
    const d = net.featureDim;
    const feats = await inferenceFeatures(net, train);
    const range = rangeOf(feats, train.count, d, 75);
    const levels = 2;
    const head = await fitSteHead(feats, train.labels, d, 4, range, levels, 3);
    // The fitted head reads the codes better than chance (0.25) on the set it was fitted on, computed here in float64.
    const code = (i: number, j: number, l: number) => (Math.min(Math.max(feats[i * d + j], 0), range[j]) > (range[j] * (l + 1)) / (levels + 1) ? 1 : 0);
    const logitsRef = (i: number) =>
      Array.from({ length: 4 }, (_, c) => {
        let z = head.bias[c];
        for (let j = 0; j < d; j++) for (let l = 0; l < levels; l++) z += code(i, j, l) * head.kernel[(j * levels + l) * 4 + c];
        return z;
      });
    let right = 0;
    for (let i = 0; i < train.count; i++) {
      const z = logitsRef(i);
      if (z.indexOf(Math.max(...z)) === train.labels[i]) right++;
    }
    assert.ok(right / train.count > 0.4, `fitted head's accuracy on its codes ${right / train.count}`);
    // The loss path built with that head computes the same logits.
    const path_ = buildLossPath(net, { kind: 'ste', range, levels, seed: 1, trainFeatures: true, head });
    const rows = Array.from({ length: 16 }, (_, i) => i * 7);
    const got = tf.tidy(() => path_.logits(net, batchOf(train, rows), INFERENCE).arraySync());
    rows.forEach((i, k) =>
      logitsRef(i).forEach((z, c) => assert.ok(Math.abs(got[k][c] - z) < 1e-3 * (1 + Math.abs(z)), `row ${i} class ${c}: ${got[k][c]} vs ${z}`)),
    );
    path_.dispose();
    // A caller that names no head (as notebooks written before the option do) gets the default, 'fit'.
    const r = await steFinetune(net, train, null, { epochs: 1, lr: 0.01, levels: 1, percentile: 75 }, { progress: false, seed: 2 });
    assert.equal(r.records.length, 1);
    net.dispose();
  });

  it('gbm train-backbone --from: only the STE phase, on the weights of a finished network, recorded with its source; bad input refused', async () => {
    const dir = tmpDir('ste-from');
    const common = {
      arch: 'resnet20',
      dataset: 'fashion-mnist',
      width: 0.25,
      inputSize: 32,
      baseClasses: 4,
      trainPerClass: 40,
      valPerClass: 10,
      progress: false,
      log: () => {},
    };
    const src = path.join(dir, 'src');
    const first = await trainBackbone({ ...common, train: { epochs: 1, batchSize: 32 }, ste: { epochs: 0 }, out: src });
    const srcWeights = weightsOf(loadNet(src).net);
    const out = path.join(dir, 'ste');
    // Options of the source's record win over the command's (architecture, width): the network is the source's.
    const rec = await trainBackbone({
      from: src,
      arch: 'bnn',
      dataset: 'fashion-mnist',
      trainPerClass: 40,
      valPerClass: 10,
      ste: { epochs: 1 },
      out,
      progress: false,
      log: () => {},
    });
    assert.deepEqual(rec.epochs, first.epochs);
    assert.equal(rec.ste?.records.length, 1);
    assert.equal(rec.ste?.head, 'fit');
    assert.equal(rec.from?.fingerprint.length, 64);
    assert.deepEqual(rec.net, first.net);
    const after = weightsOf(loadNet(out).net);
    assert.ok(
      after.some((p, i) => p.v.some((v, k) => v !== srcWeights[i].v[k])),
      'the STE phase moved F',
    );
    assert.deepEqual(after.find((p) => p.name === 'head/kernel')!.v, srcWeights.find((p) => p.name === 'head/kernel')!.v);
    await assert.rejects(trainBackbone({ ...common, from: src, ste: { epochs: 0 }, out: path.join(dir, 'x') }), /--from runs only the STE phase/);
    await assert.rejects(trainBackbone({ ...common, from: src, ste: { epochs: 1 }, out: src }), /--out is the --from folder/);
    await assert.rejects(trainBackbone({ ...common, from: dir, ste: { epochs: 1 }, out: path.join(dir, 'y') }), /holds no finished network/);
    await assert.rejects(
      trainBackbone({ ...common, trainPerClass: 30, from: src, ste: { epochs: 1 }, out: path.join(dir, 'z') }),
      /differ from those .* was trained on/,
    );
  });

  it('gbm train-backbone: a BNN on the base classes, saved, reloaded as a backbone, and GBM runs on its codes', async () => {
    const out = path.join(tmpDir('bnn'), 'net');
    const cache = tmpDir('bnn-cache');
    await withEnv({ GBM_CACHE_DIR: cache }, async () => {
      const common = {
        arch: 'bnn',
        dataset: 'fashion-mnist',
        width: 0.5,
        bits: 64,
        trainPerClass: 100,
        valPerClass: 40,
        train: { epochs: 2, batchSize: 32 },
        out,
        progress: false,
        log: () => {},
      };
      const partial = await trainBackbone({ ...common, stopAfter: 1 });
      assert.equal(partial.epochs.length, 1);
      assert.ok(!fs.existsSync(path.join(out, 'model.json')), 'an interrupted run leaves no final model.json');
      const rec = await trainBackbone(common);
      assert.equal(rec.epochs.length, 2);
      // The record's time counts the interrupted process's epoch too, not only the resuming process.
      assert.equal(rec.epochs[0].seconds, partial.epochs[0].seconds);
      assert.ok(Math.abs(rec.environment.seconds - (partial.epochs[0].seconds + rec.epochs[1].seconds)) < 1e-9, `${rec.environment.seconds} s`);
      assert.deepEqual({ epochs: rec.ste!.epochs, records: rec.ste!.records.length }, { epochs: 0, records: 0 }, 'a BNN records that it had no STE phase');
      const order = JSON.parse(python('import numpy as np; np.random.seed(1993); print(list(map(int, np.random.permutation(10)[:5])))'));
      assert.deepEqual(rec.data.classIds, order, "numpy's seed-1993 order of the 10 classes, first 5");
      assert.ok(rec.final.valAcc! > 0.45, `base val accuracy ${rec.final.valAcc} (chance 0.2)`);
      assert.ok(fs.existsSync(path.join(out, 'model.json')) && !fs.existsSync(path.join(out, 'checkpoint')));
      // The same command again (a notebook re-run) finds the finished network, shards left to the default included.
      const again = await trainBackbone(common);
      assert.equal(again.environment.date, rec.environment.date);
      await assert.rejects(trainBackbone({ ...common, train: { ...common.train, epochs: 3 } }), /already holds a network trained with other options/);
      const { net } = loadNet(out);
      const spec = await locateBackbone(out, undefined, 'fashion-mnist');
      const bb = await loadBackbone(spec);
      assert.equal(bb.binaryCodes, true);
      assert.equal(bb.featureDim, 64);
      assert.ok(bb.deployedBits! > 0 && bb.deployedBits! < net.params.bits(), "F's bits exclude the training head and count binary weights as 1 bit");
      const x = tf.randomUniform([3, 32, 32, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
      const codes = bb.embed(x).dataSync();
      assert.ok(codes.every((v) => v === 0 || v === 1));
      bb.dispose();
      net.dispose();
      const r = await runExperiment(
        { features: { dataset: 'fashion-mnist', backbone: out, subset: { trainPerClass: 100, testPerClass: 40 } }, classifier: { epochs: 2 } },
        { progress: false },
      );
      assert.equal(r.config.binarizer.kind, 'none', 'a BNN backbone needs no binarizer');
      assert.equal(r.codeLength, 64);
      assert.equal(r.steps.length, 6);
      assert.ok(r.steps[0].accuracy > 0.4, `base accuracy of GBM on BNN codes ${r.steps[0].accuracy}`);
      assert.equal(r.features.backboneBits, rec.deployedBits);
    });
  });

  it('ends with the STE phase by default for networks with real features (thermometer codes), not for a BNN; --ste-epochs 0 skips it', () => {
    const base = { dataset: 'tinyimagenet' };
    assert.equal(resolveTrainBackbone({ ...base, arch: 'resnet20' }).ste.epochs, STE_DEFAULTS.epochs);
    assert.ok(STE_DEFAULTS.epochs > 0);
    assert.equal(resolveTrainBackbone({ ...base, arch: 'resnet18' }).ste.epochs, STE_DEFAULTS.epochs);
    assert.equal(resolveTrainBackbone({ ...base, arch: 'bnn' }).ste.epochs, 0);
    assert.equal(resolveTrainBackbone(trainOptionsFrom({ ...base, arch: 'resnet20', 'ste-epochs': 0 })).ste.epochs, 0);
    assert.equal(resolveTrainBackbone(trainOptionsFrom({ ...base, arch: 'resnet20', 'ste-epochs': 2 })).ste.epochs, 2);
  });

  it('the committed clean TinyImageNet backbone loads, with its record of the base classes it was trained on', async () => {
    const spec = await locateBackbone(defaultBackbone('tinyimagenet'), undefined, 'tinyimagenet');
    assert.equal(spec.inputSize, 32);
    const bb = await loadBackbone(spec);
    assert.equal(bb.featureDim, 64);
    const f = tf.tidy(() => bb.embed(tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D).dataSync());
    assert.ok(
      f.every((v) => Number.isFinite(v) && v >= 0),
      'pooled ReLU features',
    );
    bb.dispose();
    const rec = JSON.parse(fs.readFileSync(path.join(spec.path, 'training.json'), 'utf8'));
    const order = JSON.parse(python('import numpy as np; np.random.seed(1993); print(list(map(int, np.random.permutation(200)[:100])))'));
    assert.deepEqual(rec.data.classIds, order, 'trained on the 100 base classes of the seed-1993 order, no others');
    assert.ok(fs.statSync(path.join(spec.path, 'weights.bin')).size < 5 * 2 ** 20, 'under 5 MB');
    // Its folder named as a path is the same backbone (one feature cache): the name, not "trained", keys the cache.
    for (const [name, folder] of [
      ['resnet20', 'models/resnet20-tinyimagenet'],
      ['resnet20-e8', './models/resnet20-e8-tinyimagenet'],
    ]) {
      const byName = await locateBackbone(name, undefined, 'tinyimagenet');
      const byPath = await locateBackbone(folder, undefined, 'tinyimagenet');
      assert.deepEqual(byPath, byName);
    }
    const other = tmpDir('named');
    fs.cpSync(spec.path, path.join(other, 'resnet20-tinyimagenet'), { recursive: true });
    assert.equal(
      (await locateBackbone(path.join(other, 'resnet20-tinyimagenet'), undefined, 'tinyimagenet')).name,
      'trained',
      'a copy elsewhere keeps the path',
    );
  });

  it('saves and reloads a network bit for bit; bad input: another architecture or class count, a non-writable folder, an input size the net cannot take', async () => {
    const dir = tmpDir('net');
    const net = buildNet({ arch: 'resnet20', inputSize: 32, numClasses: 4, width: 0.25 }, 1);
    await saveNet(net, dir);
    const back = loadNet(dir).net;
    weightsOf(back).forEach((p, i) => assert.deepEqual(p.v, weightsOf(net)[i].v, `${p.name} after save + load`));
    back.dispose();
    net.dispose();
    assert.throws(
      () => loadNet(dir, { numClasses: 10 }),
      (e: Error) => e instanceof GbmError && /numClasses = 4, but 10 is asked for/.test(e.message),
    );
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    json.modelTopology.arch = 'resnet32';
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    assert.throws(
      () => loadNet(dir),
      (e: Error) => e instanceof GbmError && /does not match this architecture: missing stage1\/block4/.test(e.message),
    );
    json.modelTopology.arch = 'resnet20';
    json.modelTopology.width = 0.5;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    assert.throws(() => loadNet(dir), /has shape \[3,3,3,4\], this network needs \[3,3,3,8\]/);
    assert.throws(() => buildNet({ arch: 'bnn', inputSize: 28, numClasses: 4, width: 1 }, 1), /cannot take input size 28.*multiple of 8/);
    assert.throws(() => buildNet({ arch: 'resnet18', inputSize: 8, numClasses: 4, width: 1 }, 1), /cannot take input size 8/);
    const file = path.join(tmpDir('ro'), 'a-file');
    fs.writeFileSync(file, '');
    await assert.rejects(
      trainBackbone({ arch: 'bnn', dataset: 'fashion-mnist', out: path.join(file, 'sub'), progress: false, log: () => {} }),
      /cannot write to the output folder .*a-file\/sub.*--out/,
    );
  });
});
