import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { extractFeatures } from '../src/features/extract.js';
import { selectIndices } from '../src/features/select.js';
import { GbmError } from '../src/util/errors.js';
import { makeImageFolder, requireData, tmpDir } from './helpers.js';

const ROOT = path.resolve(__dirname, '..');
const silent = { progress: false, log: () => {} };

describe('features: cache', () => {
  let data: string;
  before(function () {
    requireData(this, 'mobilenet_v1_0.25_224/model.json');
    data = tmpDir('featdata');
    makeImageFolder(data, ['cat', 'dog', 'emu'], { train: 40, test: 10 }, 32);
  });

  it('extracts on worker threads exactly what one thread extracts, then reuses the cache', async () => {
    const cache = tmpDir('cache1');
    const opts = { dataset: 'imagefolder', root: data, inputSize: 32, cacheRoot: cache, chunkSize: 32, ...silent };
    const threaded = await extractFeatures({ ...opts, workers: 2 });
    assert.equal(threaded.fromCache, false);
    assert.equal(threaded.train.count, 120);
    assert.equal(threaded.test.count, 30);
    assert.deepEqual([...threaded.train.labels.subarray(38, 42)], [0, 0, 1, 1]);
    assert.ok(fs.existsSync(path.join(threaded.dir, 'meta.json')));
    assert.ok(!fs.existsSync(path.join(threaded.dir, 'parts')), 'chunk files are removed once complete');
    const inline = await extractFeatures({ ...opts, cacheRoot: tmpDir('cache2'), workers: 0 });
    assert.deepEqual(inline.train.features, threaded.train.features);
    const again = await extractFeatures({ ...opts, workers: 2 });
    assert.equal(again.fromCache, true);
    assert.deepEqual(again.train.features, threaded.train.features);
    assert.deepEqual(again.test.labels, threaded.test.labels);
  });

  it('rebuilds an entry whose files do not match its metadata, never using it', async () => {
    const cache = tmpDir('cache3');
    const opts = { dataset: 'imagefolder', root: data, inputSize: 32, cacheRoot: cache, workers: 0, ...silent };
    const first = await extractFeatures(opts);
    const f = path.join(first.dir, 'train.f32');
    const bytes = fs.readFileSync(f);
    bytes[100] ^= 0xff;
    fs.writeFileSync(f, bytes);
    const lines: string[] = [];
    const second = await extractFeatures({ ...opts, log: (l) => lines.push(l) });
    assert.equal(second.fromCache, false);
    assert.ok(lines.some((l) => /does not match its metadata \(train checksum/.test(l)));
    assert.deepEqual(second.train.features, first.train.features);
    const meta = JSON.parse(fs.readFileSync(path.join(first.dir, 'meta.json'), 'utf8'));
    meta.key.backbone.inputSize = 48;
    fs.writeFileSync(path.join(first.dir, 'meta.json'), JSON.stringify(meta));
    const third = await extractFeatures(opts);
    assert.equal(third.fromCache, false);
  });

  it('gives a new entry when the images change (dataset fingerprint)', async () => {
    const own = tmpDir('featown');
    makeImageFolder(own, ['a', 'b'], { train: 4, test: 1 }, 32);
    const cache = tmpDir('cache4');
    const opts = { dataset: 'imagefolder', root: own, inputSize: 32, cacheRoot: cache, workers: 0, ...silent };
    const a = await extractFeatures(opts);
    fs.copyFileSync(path.join(own, 'train', 'a', 'img_0000.jpg'), path.join(own, 'train', 'a', 'img_9999.jpg'));
    const b = await extractFeatures(opts);
    assert.notEqual(a.dir, b.dir);
    assert.equal(b.train.count, a.train.count + 1);
  });

  it('resumes a killed extraction from its finished chunks, with the uninterrupted result', async function () {
    // Child processes: generous on a loaded machine (CI may share its cores); no assertion is about time.
    this.timeout(600000);
    const cache = tmpDir('cache5');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'gbm'),
        'features',
        '--dataset',
        'imagefolder',
        '--root',
        data,
        '--input-size',
        '32',
        '--chunk-size',
        '8',
        '--workers',
        '1',
        '--batch-size',
        '8',
      ],
      { env: { ...process.env, GBM_CACHE_DIR: cache }, stdio: 'ignore' },
    );
    const parts = () => {
      const p = path.join(cache, 'features', 'chunks');
      return fs.existsSync(p) ? fs.readdirSync(p).filter((f) => f.endsWith('.f32')).length : 0;
    };
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    for (let i = 0; i < 3000 && parts() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const found = parts();
    assert.ok(found >= 2, `the child wrote ${found} chunks before it was killed`);
    const opts = { dataset: 'imagefolder', root: data, inputSize: 32, chunkSize: 8, workers: 1, ...silent };
    const resumed = await extractFeatures({ ...opts, cacheRoot: cache });
    assert.ok(resumed.resumedChunks >= 2 && resumed.computedChunks >= 1, `resumed ${resumed.resumedChunks}, computed ${resumed.computedChunks}`);
    const fresh = await extractFeatures({ ...opts, cacheRoot: tmpDir('cache6') });
    assert.deepEqual(resumed.train.features, fresh.train.features);
    assert.deepEqual(resumed.test.features, fresh.test.features);
  });

  it('lists every bad image in one pass, keeps the finished chunks, resumes from them once the files are fixed', async function () {
    this.timeout(600000); // extraction passes: generous on a loaded machine
    const bad = tmpDir('featbad');
    makeImageFolder(bad, ['a', 'b'], { train: 20, test: 2 }, 32);
    const files = ['a/img_0002.jpg', 'b/img_0007.jpg', 'b/img_0019.jpg'].map((f) => path.join(bad, 'train', f));
    const originals = files.map((f) => fs.readFileSync(f));
    for (const f of files) fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 120));
    const cache = tmpDir('cache7');
    const opts = { dataset: 'imagefolder', root: bad, inputSize: 32, cacheRoot: cache, chunkSize: 4, workers: 2, ...silent };
    // 44 images in chunks of 4: train chunks 0, 4 and 5 hold the three bad files; the other 8 chunks are finished.
    await assert.rejects(extractFeatures(opts), (e: unknown) => {
      assert.ok(e instanceof GbmError, String(e));
      assert.match(e.message, /^3 images could not be decoded:/);
      for (const f of files) assert.ok(e.message.includes(f), `${f} is not named`);
      assert.match(e.fix ?? '', /the 8 finished chunks are kept and reused.*--skip-bad-images/);
      return true;
    });
    assert.equal(fs.readdirSync(path.join(cache, 'features', 'chunks')).length, 8);
    // Fixed: the entry is new (the folder changed) but only the chunks that held a bad file are computed again.
    files.forEach((f, i) => fs.writeFileSync(f, originals[i]));
    const fixed = await extractFeatures(opts);
    assert.equal(fixed.train.count, 40);
    assert.equal(fixed.computedChunks, 3);
    assert.equal(fixed.resumedChunks, 8);
    const fresh = await extractFeatures({ ...opts, cacheRoot: tmpDir('cache7b') });
    assert.deepEqual(fixed.train.features, fresh.train.features);
    // Left out on request: the rows of the bad images are dropped and named in meta.json; the others are unchanged.
    for (const f of files) fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 120));
    const skipped = await extractFeatures({ ...opts, cacheRoot: tmpDir('cache7c'), skipBadImages: true });
    assert.equal(skipped.train.count, 40 - 3);
    assert.deepEqual(
      skipped.meta.skippedImages?.map((m) => m.split),
      ['train', 'train', 'train'],
    );
    assert.deepEqual(skipped.train.features.subarray(0, 2 * fresh.train.dim), fresh.train.features.subarray(0, 2 * fresh.train.dim));
    assert.notEqual(skipped.dir, fresh.dir);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'features', 'chunks')), []);
  });

  it('rejects a cache folder it cannot write before any work', async () => {
    const ro = tmpDir('ro');
    fs.writeFileSync(path.join(ro, 'features'), 'a file where a folder should be');
    await assert.rejects(
      extractFeatures({ dataset: 'imagefolder', root: data, inputSize: 32, cacheRoot: path.join(ro, 'features', 'x'), ...silent }),
      /cache folder .* is not writable/,
    );
  });

  it('selects subsets in canonical order', () => {
    const labels = Int32Array.from([0, 1, 0, 2, 1, 0, 2]);
    assert.deepEqual([...selectIndices(labels, { classes: [0, 2] }, 2)], [0, 2, 3, 6]);
    assert.deepEqual([...selectIndices(labels, undefined, undefined)], [0, 1, 2, 3, 4, 5, 6]);
  });
});
