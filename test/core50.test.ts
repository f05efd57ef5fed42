import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../src/run/config.js';
import { Core50, core50Spec } from '../src/data/core50.js';
import { openDataset } from '../src/data/registry.js';
import { GbmError } from '../src/util/errors.js';
import { encodePng, python, syntheticRgb, tmpDir, withEnv } from './helpers.js';

const OBJECTS = [1, 2, 6, 7, 12];
const FRAMES = [0, 1, 7];
const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Pixels of a frame: a class-colour gradient that encodes (session, object, frame). */
const pixels = (s: number, o: number, f: number) => syntheticRgb(128, 128, o, s * 10 + f);

/** core50_128x128/s<k>/o<j>/C_<kk>_<jj>_<fff>.png for every session, some objects, a few frames; and its zip. */
function writeLayout(): { dir: string; zip: string } {
  const dir = tmpDir('core50');
  for (let s = 1; s <= 11; s++) {
    for (const o of OBJECTS) {
      const d = path.join(dir, 'core50_128x128', `s${s}`, `o${o}`);
      fs.mkdirSync(d, { recursive: true });
      // Written out of order: the reader must sort by frame number.
      for (const f of [...FRAMES].reverse())
        fs.writeFileSync(path.join(d, `C_${pad(s, 2)}_${pad(o, 2)}_${pad(f, 3)}.png`), encodePng(pixels(s, o, f), 128, 128));
    }
  }
  const zip = path.join(dir, 'core50_128x128.zip');
  python(
    `
import os, sys, zipfile
root = sys.argv[1]
with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED) as z:
    for d, _, files in sorted(os.walk(os.path.join(root, 'core50_128x128'))):
        for f in sorted(files):
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, root))
`,
    [dir, zip],
  );
  return { dir, zip };
}

describe('CORe50 (official 128x128 layout)', function () {
  this.timeout(60000);
  let fx: ReturnType<typeof writeLayout>;
  before(() => {
    fx = writeLayout();
  });

  it('splits sessions 1,2,4,5,6,8,9,11 / 3,7,10, orders frames, labels objects and categories (zip and folder alike)', () => {
    for (const p of [fx.zip, fx.dir, path.join(fx.dir, 'core50_128x128')]) {
      const ds = new Core50({ name: 'core50', path: p, fingerprint: '' }, 'object');
      assert.deepEqual(ds.classNames, ['o1', 'o2', 'o6', 'o7', 'o12']);
      assert.deepEqual(ds.classTitles, ['plug adapter 1', 'plug adapter 2', 'mobile phone 1', 'mobile phone 2', 'scissors 2']);
      assert.equal(ds.size('train'), 8 * OBJECTS.length * FRAMES.length);
      assert.equal(ds.size('test'), 3 * OBJECTS.length * FRAMES.length);
      const expected = (sessions: readonly number[]) => sessions.flatMap((s) => OBJECTS.flatMap((o) => FRAMES.map((f) => ({ s, o, f }))));
      for (const [split, sessions] of [
        ['train', [1, 2, 4, 5, 6, 8, 9, 11]],
        ['test', [3, 7, 10]],
      ] as const) {
        const want = expected(sessions);
        assert.deepEqual(
          Array.from(ds.labels(split)),
          want.map((w) => OBJECTS.indexOf(w.o)),
          split,
        );
        for (const i of [0, 4, want.length - 1]) {
          const { s, o, f } = want[i];
          assert.equal(ds.imageName(split, i).replace(/^core50_128x128\//, ''), `s${s}/o${o}/C_${pad(s, 2)}_${pad(o, 2)}_${pad(f, 3)}.png`);
          const im = ds.image(split, i);
          assert.equal(im.width, 128);
          assert.deepEqual(im.data, pixels(s, o, f), `${split}[${i}] pixels`);
        }
      }
      ds.close();
      const cats = new Core50({ name: 'core50-categories', path: p, fingerprint: '' }, 'category');
      assert.deepEqual(cats.classNames, ['plug adapter', 'mobile phone', 'scissors']);
      assert.deepEqual(Array.from(cats.labels('test').slice(0, 15)), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
      cats.close();
    }
  });

  it('opens through the registry with --root, and presets B10 + 8 tasks (objects) / B2 + 4 (categories)', async () => {
    const ds = await openDataset('core50', { root: fx.zip });
    assert.match(ds.spec.fingerprint, /^[0-9a-f]{64}$/);
    ds.close();
    assert.deepEqual(resolveConfig({ features: { dataset: 'core50', backbone: 'mobilenet' } }).scenario, { baseClasses: 10, tasks: 8, orderSeed: 1993 });
    assert.deepEqual(resolveConfig({ features: { dataset: 'core50-categories', backbone: 'mobilenet' } }).scenario, {
      baseClasses: 2,
      tasks: 4,
      orderSeed: 1993,
    });
  });

  it('bad input: a misnamed frame, a missing session, a truncated zip, a wrong checksum: clear errors naming the file', async () => {
    const bad = tmpDir('core50-bad');
    fs.cpSync(path.join(fx.dir, 'core50_128x128'), path.join(bad, 'core50_128x128'), { recursive: true });
    const wrong = path.join(bad, 'core50_128x128', 's1', 'o1', 'C_02_01_005.png');
    fs.writeFileSync(wrong, encodePng(pixels(1, 1, 5), 128, 128));
    assert.throws(() => new Core50({ name: 'core50', path: bad, fingerprint: '' }, 'object'), /C_02_01_005\.png is named for s2\/o1 but lies in s1\/o1/);
    fs.rmSync(wrong);
    fs.rmSync(path.join(bad, 'core50_128x128', 's7'), { recursive: true });
    assert.throws(() => new Core50({ name: 'core50', path: bad, fingerprint: '' }, 'object'), /lacks session s7/);

    const cut = path.join(bad, 'cut.zip');
    const whole = fs.readFileSync(fx.zip);
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 5000));
    assert.throws(
      () => new Core50({ name: 'core50', path: cut, fingerprint: '' }, 'object'),
      (e: Error) => e instanceof GbmError && e.message.includes(cut),
    );

    const data = tmpDir('core50-data');
    await withEnv({ GBM_DATA_DIR: data, GBM_CACHE_DIR: path.join(data, 'cache'), GBM_OFFLINE: '1' }, async () => {
      await assert.rejects(
        core50Spec('core50'),
        (e: Error) => e instanceof GbmError && e.message.includes('core50_128x128.zip') && e.message.includes('GBM_DATA_DIR'),
      );
      fs.copyFileSync(fx.zip, path.join(data, 'core50_128x128.zip'));
      await assert.rejects(
        core50Spec('core50'),
        (e: Error) =>
          e instanceof GbmError && e.message.includes(path.join(data, 'core50_128x128.zip')) && e.message.includes('745f3373fed08d69343f1058ee559e13'),
      );
    });
  });
});
