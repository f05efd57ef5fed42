import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runExperiment } from '../src/run/runner.js';
import { readNpy } from '../src/data/npy.js';
import { loadExternalFeatures } from '../src/features/external.js';
import { python, tmpDir } from './helpers.js';

/** Write .npy files with Debian's numpy; each array is also dumped as raw float32 (<name>.f32) for bit comparison. */
function numpyWrite(dir: string, code: string): void {
  python(
    `
import numpy as np, os, sys
d = sys.argv[1]
rng = np.random.default_rng(7)
def save(name, a, raw=True):
    np.save(os.path.join(d, name + '.npy'), a)
    if raw: a.astype(np.float32).tofile(os.path.join(d, name + '.f32'))
${code}
`,
    [dir],
  );
}

const raw = (file: string) => new Float32Array(Uint8Array.from(fs.readFileSync(file)).buffer);

describe('bring your own features (.npy)', () => {
  it('reads float32, float16 and uint8-bit features written by numpy bit for bit, with int64 labels', () => {
    for (const dtype of ['float32', 'float16', 'uint8']) {
      const dir = tmpDir('npy');
      const make = dtype === 'uint8' ? '(rng.random((n, 24)) < 0.3).astype(np.uint8)' : `(rng.standard_normal((n, 24)) * 3).astype(np.${dtype})`;
      numpyWrite(
        dir,
        `
for s, n in (('train', 60), ('test', 30)):
    save(s + '_features', ${make})
    save(s + '_labels', (np.arange(n) % 3).astype(np.int64), raw=False)
save('tiny_half', np.array([1e-7, -0.0, 65504, np.inf, -2.5], dtype=np.float16))`,
      );
      const fs2 = loadExternalFeatures(dir);
      assert.deepEqual(fs2.train.features, raw(path.join(dir, 'train_features.f32')), dtype);
      assert.deepEqual(fs2.test.features, raw(path.join(dir, 'test_features.f32')), dtype);
      assert.deepEqual(Array.from(fs2.train.labels.slice(0, 4)), [0, 1, 2, 0]);
      assert.equal(fs2.train.count, 60);
      assert.equal(fs2.test.dim, 24);
      // float16 edge values (subnormal, -0, max, inf) widen exactly as numpy widens them.
      assert.deepEqual(readNpy(path.join(dir, 'tiny_half.npy')).data, raw(path.join(dir, 'tiny_half.f32')));
    }
  });

  it('reads one features file split by train/test index files', () => {
    const dir = tmpDir('npy-split');
    numpyWrite(
      dir,
      `
save('features', rng.standard_normal((10, 4)).astype(np.float32))
save('labels', np.array([0, 1] * 5, dtype=np.int32), raw=False)
save('train_idx', np.array([0, 1, 2, 3, 4, 5, 6], dtype=np.int64), raw=False)
save('test_idx', np.array([9, 8, 7], dtype=np.int64), raw=False)`,
    );
    const all = raw(path.join(dir, 'features.f32'));
    const f = loadExternalFeatures(dir);
    assert.deepEqual(f.train.features, all.slice(0, 28));
    assert.deepEqual(f.test.features.slice(0, 4), all.slice(36, 40));
    assert.deepEqual(Array.from(f.test.labels), [1, 0, 1]);
  });

  it('refuses unsupported dtypes, mismatched labels, non-bit uint8, Fortran order and truncated files, naming the file', () => {
    const cases: Array<[string, RegExp]> = [
      ["save('train_features', np.zeros((4, 3)))", /train_features\.npy has dtype <f8, which is not supported\. Fix: save features as float32/],
      [
        "save('train_features', np.zeros((4, 3), np.float32)); save('train_labels', np.zeros(5, np.int64), raw=False)",
        /train_labels\.npy has 5 labels for 4 rows/,
      ],
      [
        "save('train_features', np.full((4, 3), 7, np.uint8)); save('train_labels', np.zeros(4, np.int64), raw=False)",
        /uint8 but holds 7 at row 0: uint8 features must be bits/,
      ],
      ["save('train_features', np.asfortranarray(np.zeros((4, 3), np.float32))); save('train_labels', np.zeros(4, np.int64), raw=False)", /Fortran order/],
      [
        "save('train_features', np.zeros((4, 3), np.float32)); save('train_labels', np.zeros(4, np.float32), raw=False)",
        /train_labels\.npy must be a 1-D integer array of labels/,
      ],
      ["save('features', np.zeros((4, 3), np.float32))", /labels\.npy: .*no such file|cannot read .*labels\.npy/],
      ["save('other', np.zeros(3, np.float32))", /holds no features in a known layout\. Fix: use one of: DIR\/\{train,test\}_features\.npy/],
    ];
    for (const [code, re] of cases) {
      const dir = tmpDir('npy-bad');
      numpyWrite(dir, code);
      if (fs.existsSync(path.join(dir, 'train_features.npy')) && !fs.existsSync(path.join(dir, 'test_features.npy'))) {
        fs.copyFileSync(path.join(dir, 'train_features.npy'), path.join(dir, 'test_features.npy'));
        if (fs.existsSync(path.join(dir, 'train_labels.npy'))) fs.copyFileSync(path.join(dir, 'train_labels.npy'), path.join(dir, 'test_labels.npy'));
      }
      assert.throws(() => loadExternalFeatures(dir), re, code);
    }
    const dir = tmpDir('npy-trunc');
    numpyWrite(dir, "save('train_features', np.zeros((40, 3), np.float32))");
    const file = path.join(dir, 'train_features.npy');
    fs.truncateSync(file, fs.statSync(file).size - 8);
    assert.throws(() => readNpy(file), /train_features\.npy is not a valid \.npy file: truncated data/);
  });

  it('feeds uint8 bits to GBM directly with --binarizer none, and refuses real features there', async () => {
    const dir = tmpDir('npy-bits');
    numpyWrite(
      dir,
      `
protos = rng.random((4, 64)) < 0.3
for s, n in (('train', 80), ('test', 30)):
    y = np.repeat(np.arange(4), n)
    flip = rng.random((4 * n, 64)) < 0.1
    save(s + '_features', (protos[y] ^ flip).astype(np.uint8))
    save(s + '_labels', y.astype(np.int64), raw=False)`,
    );
    const r = await runExperiment(
      { features: { path: dir }, scenario: { baseClasses: 2, tasks: 1 }, binarizer: { kind: 'none' }, classifier: { epochs: 20 } },
      { progress: false },
    );
    assert.equal(r.codeLength, 64);
    assert.ok(r.summary.finalAccuracy > 0.9, `final accuracy ${r.summary.finalAccuracy}`);
    assert.match(r.name, /-B2-T1-bits-K8-/);
    const real = tmpDir('npy-real');
    numpyWrite(
      real,
      `
for s in ('train', 'test'):
    save(s + '_features', rng.random((8, 4)).astype(np.float32))
    save(s + '_labels', np.arange(8) % 2, raw=False)`,
    );
    await assert.rejects(
      runExperiment({ features: { path: real }, scenario: { baseClasses: 2, tasks: 0 }, binarizer: { kind: 'none' } }, { progress: false }),
      /binarizer "none" needs 0\/1 features.*Fix: use --binarizer thermometer or heaviside/,
    );
    await assert.rejects(runExperiment({ features: { path: real, subset: { classes: [0] } } }, { progress: false }), /do not apply to --features/);
  });

  it('warns when the features binarize to constant codes (all-negative features under the thermometer), naming the fix', async () => {
    const neg = tmpDir('npy-negative');
    numpyWrite(
      neg,
      `
for s, n in (('train', 30), ('test', 10)):
    y = np.repeat(np.arange(4), n)
    save(s + '_features', (-1 - rng.random((4 * n, 16)) - y[:, None]).astype(np.float32))
    save(s + '_labels', y.astype(np.int64), raw=False)
    os.makedirs(os.path.join(d, 'pos'), exist_ok=True)
    np.save(os.path.join(d, 'pos', s + '_features.npy'), (rng.random((4 * n, 16)) + y[:, None]).astype(np.float32))
    np.save(os.path.join(d, 'pos', s + '_labels.npy'), y.astype(np.int64))`,
    );
    const r = await runExperiment(
      { features: { path: neg }, scenario: { baseClasses: 2, tasks: 1 }, memory: { em: { K: 2 } }, classifier: { epochs: 2 } },
      { progress: false },
    );
    assert.equal(r.warnings?.length, 1);
    assert.match(
      r.warnings![0],
      /^16 of the 16 code bits are the same for every base image: the thermometer binarizer keeps almost nothing .*Fix: the thermometer reads non-negative features/,
    );
    // Ordinary features raise no warning.
    const ok = await runExperiment(
      { features: { path: path.join(neg, 'pos') }, scenario: { baseClasses: 2, tasks: 1 }, memory: { em: { K: 2 } }, classifier: { epochs: 2 } },
      { progress: false },
    );
    assert.equal(ok.warnings, undefined);
  });

  it('warns when most feature dimensions are zero on every base image (a backbone that passes nothing on)', async () => {
    const dead = tmpDir('npy-dead');
    numpyWrite(
      dead,
      `
for s, n in (('train', 30), ('test', 10)):
    y = np.repeat(np.arange(4), n)
    x = (rng.random((4 * n, 16)) + y[:, None]).astype(np.float32)
    x[:, 4:] = 0  # 12 of 16 dimensions never fire, as MobileNet's at 32x32
    save(s + '_features', x)
    save(s + '_labels', y.astype(np.int64), raw=False)`,
    );
    const r = await runExperiment({ features: { path: dead }, scenario: { baseClasses: 2, tasks: 1 }, method: { name: 'ncm' } }, { progress: false });
    assert.equal(r.warnings?.length, 1);
    assert.match(r.warnings![0], /^12 of the 16 feature dimensions are zero on every base-task training image.*Fix: check the backbone and its input size/);
  });

  it('runs GBM and FeCAM on features from numpy, and names the run after the folder', async () => {
    const dir = tmpDir('npy-run');
    numpyWrite(
      dir,
      `
centres = rng.random((6, 16)) * 4 + 1
for s, n in (('train', 60), ('test', 20)):
    y = np.repeat(np.arange(6), n)
    save(s + '_features', np.maximum(0, centres[y] + 0.3 * rng.standard_normal((6 * n, 16))).astype(np.float32))
    save(s + '_labels', y.astype(np.int64), raw=False)`,
    );
    for (const name of ['gbm', 'fecam']) {
      const r = await runExperiment(
        { features: { path: dir }, scenario: { baseClasses: 2, tasks: 2 }, method: { name }, classifier: { epochs: 20 } },
        { progress: false },
      );
      assert.ok(r.summary.finalAccuracy > 0.8, `${name}: final accuracy ${r.summary.finalAccuracy}`);
      assert.equal(r.config.features.dataset, 'npy');
      assert.match(r.name, new RegExp(`^npy-${path.basename(dir)}-B2-T2-`));
      assert.match(r.features.notes[0], /computed outside the kit/);
    }
  });
});
