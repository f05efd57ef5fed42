import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../src/run/config.js';
import { Cifar100, cifar100Spec } from '../src/data/cifar100.js';
import { unpickle, type PickledArray } from '../src/data/pickle.js';
import { openDataset } from '../src/data/registry.js';
import { GbmError } from '../src/util/errors.js';
import { PYTHON, python, tmpDir, withEnv } from './helpers.js';

interface SplitTruth {
  data: Uint8Array;
  fine: number[];
  coarse: number[];
}

/** Seeded pixels and labels (a plain LCG, independent of the kit's generators). */
function makeSplit(n: number, seed: number): SplitTruth {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const data = new Uint8Array(n * 3072);
  for (let i = 0; i < data.length; i++) data[i] = next() >>> 24;
  const fine = Array.from({ length: n }, (_, i) => (i * 37 + (next() % 3)) % 100);
  const coarse = fine.map((f) => f % 20);
  return { data, fine, coarse };
}

const FINE = Array.from({ length: 100 }, (_, i) => `fine_${String(i).padStart(2, '0')}`);
const COARSE = Array.from({ length: 20 }, (_, i) => `coarse_${i}`);

/** Write both official archives with the Python fixture writer; returns the folder and the truth. */
function writeArchives(): { dir: string; train: SplitTruth; test: SplitTruth } {
  const dir = tmpDir('cifar');
  const train = makeSplit(230, 1);
  const test = makeSplit(70, 2);
  const spec: Record<string, unknown> = { fine_names: FINE, coarse_names: COARSE };
  for (const [name, t] of [
    ['train', train],
    ['test', test],
  ] as const) {
    const f = path.join(dir, `${name}.raw`);
    fs.writeFileSync(f, t.data);
    spec[name] = { data: f, fine: t.fine, coarse: t.coarse };
  }
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
  const r = spawnSync(PYTHON, [path.join(__dirname, 'fixtures', 'cifar100_fixture.py'), path.join(dir, 'spec.json'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { dir, train, test };
}

function checkAgainstTruth(ds: Cifar100, truth: { train: SplitTruth; test: SplitTruth }, labelSet: 'fine' | 'coarse'): void {
  for (const split of ['train', 'test'] as const) {
    const t = truth[split];
    assert.equal(ds.size(split), t.fine.length);
    assert.deepEqual(Array.from(ds.labels(split)), t[labelSet]);
    for (const i of [0, 1, t.fine.length - 1]) {
      const im = ds.image(split, i);
      assert.equal(im.width, 32);
      assert.equal(im.channels, 3);
      // CIFAR rows are planar (R plane, G plane, B plane); images come out HWC.
      const row = t.data.subarray(i * 3072, (i + 1) * 3072);
      for (const p of [0, 1, 31, 32, 500, 1023]) {
        assert.deepEqual([im.data[3 * p], im.data[3 * p + 1], im.data[3 * p + 2]], [row[p], row[1024 + p], row[2048 + p]], `${split}[${i}] pixel ${p}`);
      }
    }
  }
  assert.deepEqual(ds.classNames, labelSet === 'fine' ? FINE : COARSE);
}

describe('CIFAR-100 (official python and binary archives)', function () {
  this.timeout(60000);
  let fx: ReturnType<typeof writeArchives>;
  before(() => {
    fx = writeArchives();
  });

  it('reads the python version (py2 cPickle dicts) with fine and coarse labels, values and order', () => {
    const p = path.join(fx.dir, 'cifar-100-python.tar.gz');
    checkAgainstTruth(new Cifar100({ name: 'cifar100', path: p, fingerprint: '' }, 'fine'), fx, 'fine');
    checkAgainstTruth(new Cifar100({ name: 'cifar100-coarse', path: p, fingerprint: '' }, 'coarse'), fx, 'coarse');
  });

  it('reads the binary version identically, and extracted folders of both', () => {
    const p = path.join(fx.dir, 'cifar-100-binary.tar.gz');
    checkAgainstTruth(new Cifar100({ name: 'cifar100', path: p, fingerprint: '' }, 'fine'), fx, 'fine');
    checkAgainstTruth(new Cifar100({ name: 'cifar100-coarse', path: p, fingerprint: '' }, 'coarse'), fx, 'coarse');
    for (const a of ['cifar-100-python', 'cifar-100-binary']) {
      const out = tmpDir('cifar-x');
      python('import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])', [path.join(fx.dir, `${a}.tar.gz`), out]);
      checkAgainstTruth(new Cifar100({ name: 'cifar100', path: out, fingerprint: '' }, 'fine'), fx, 'fine');
      checkAgainstTruth(new Cifar100({ name: 'cifar100', path: path.join(out, a), fingerprint: '' }, 'fine'), fx, 'fine');
    }
  });

  it('opens through the registry (--dataset cifar100 --root) with the B50 protocol preset', async () => {
    const ds = await openDataset('cifar100', { root: path.join(fx.dir, 'cifar-100-python.tar.gz') });
    assert.equal(ds.spec.name, 'cifar100');
    assert.match(ds.spec.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(ds.classNames.length, 100);
    const cfg = resolveConfig({ features: { dataset: 'cifar100', backbone: 'mobilenet' } });
    assert.equal(cfg.scenario.baseClasses, 50);
    assert.equal(cfg.scenario.tasks, 5);
    assert.equal(resolveConfig({ features: { dataset: 'cifar100', backbone: 'mobilenet' }, scenario: { tasks: 10 } }).scenario.baseClasses, 50);
    assert.equal(resolveConfig().scenario.baseClasses, 100);
  });

  it('unpickles numpy arrays, lists and dicts written by Python 3 with protocols 2 to 5', () => {
    const dir = tmpDir('pickle');
    python(
      `
import pickle, sys, numpy as np
a = (np.arange(24, dtype=np.uint8) * 7).reshape(4, 6)
b = np.array([[1.5, -2.25], [3e9, 0.0]], dtype='<f8')
for p in (2, 3, 4, 5):
    pickle.dump({'data': a, 'wide': b, 'labels': [0, 255, 256, 70000, -3, 2**40], 'name': 'x'}, open(sys.argv[1] + f'/p{p}.pkl', 'wb'), protocol=p)
`,
      [dir],
    );
    for (const p of [2, 3, 4, 5]) {
      const d = unpickle(fs.readFileSync(path.join(dir, `p${p}.pkl`)), `p${p}`) as Map<string, unknown>;
      const a = d.get('data') as PickledArray;
      assert.deepEqual(a.shape, [4, 6], `protocol ${p}`);
      assert.equal(a.dtype, '|u1');
      assert.deepEqual(
        Array.from(a.data),
        Array.from({ length: 24 }, (_, i) => (i * 7) % 256),
      );
      const b = d.get('wide') as PickledArray;
      assert.equal(b.dtype, '<f8');
      assert.deepEqual(Array.from(new Float64Array(Uint8Array.from(b.data).buffer)), [1.5, -2.25, 3e9, 0]);
      assert.deepEqual(d.get('labels'), [0, 255, 256, 70000, -3, 2 ** 40]);
      assert.equal(d.get('name'), 'x');
    }
  });

  it('refuses a pickle that calls anything but numpy array reconstruction', () => {
    const dir = tmpDir('pickle-bad');
    python(
      `
import pickle, sys, os
class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned',))
pickle.dump({'data': Evil()}, open(sys.argv[1] + '/bad.pkl', 'wb'), protocol=2)`,
      [dir],
    );
    assert.throws(() => unpickle(fs.readFileSync(path.join(dir, 'bad.pkl')), 'bad.pkl'), /bad\.pkl: the pickle calls (posix|os)\.system.*refused/);
  });

  it('bad input: truncated archives and .bin files, a wrong checksum, missing data: clear errors naming the file', async () => {
    const cut = tmpDir('cifar-cut');
    for (const a of ['cifar-100-python.tar.gz', 'cifar-100-binary.tar.gz']) {
      const whole = fs.readFileSync(path.join(fx.dir, a));
      const p = path.join(cut, a);
      fs.writeFileSync(p, whole.subarray(0, Math.floor(whole.length * 0.6)));
      assert.throws(
        () => new Cifar100({ name: 'cifar100', path: p, fingerprint: '' }, 'fine'),
        (e: Error) => e instanceof GbmError && e.message.includes(p) && /truncated/.test(e.message),
      );
    }
    const folder = tmpDir('cifar-bin');
    python('import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])', [path.join(fx.dir, 'cifar-100-binary.tar.gz'), folder]);
    const bin = path.join(folder, 'cifar-100-binary', 'train.bin');
    fs.truncateSync(bin, fs.statSync(bin).size - 100);
    assert.throws(() => new Cifar100({ name: 'cifar100', path: folder, fingerprint: '' }, 'fine'), /train\.bin.*truncated/);

    const data = tmpDir('cifar-data');
    await withEnv({ GBM_DATA_DIR: data, GBM_CACHE_DIR: path.join(data, 'cache'), GBM_OFFLINE: '1' }, async () => {
      await assert.rejects(
        cifar100Spec('cifar100'),
        (e: Error) => e instanceof GbmError && e.message.includes('GBM_DATA_DIR') && e.message.includes('cifar-100-python.tar.gz'),
      );
      // The fixture under the official name is not the official file: its md5 differs.
      fs.copyFileSync(path.join(fx.dir, 'cifar-100-python.tar.gz'), path.join(data, 'cifar-100-python.tar.gz'));
      await assert.rejects(
        cifar100Spec('cifar100'),
        (e: Error) =>
          e instanceof GbmError && e.message.includes(path.join(data, 'cifar-100-python.tar.gz')) && e.message.includes('eb9058c3a382ffc7106e4002c42a8d85'),
      );
      assert.deepEqual(
        fs
          .readdirSync(data)
          .filter((f) => f !== 'cache')
          .sort(),
        ['cifar-100-python.tar.gz'],
      );
      assert.ok(!fs.existsSync(path.join(data, 'cache', 'features')), 'no feature cache after a failed locate');
    });
  });
});
