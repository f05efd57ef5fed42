import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { classCounts } from '../src/data/dataset.js';
import { FashionMnist, fashionMnistSpec } from '../src/data/fashion-mnist.js';
import { parseIdx } from '../src/data/idx.js';
import { ImageFolderDataset, imageFolderSpec } from '../src/data/imagefolder.js';
import { openDataset } from '../src/data/registry.js';
import { TinyImageNet } from '../src/data/tinyimagenet.js';
import { ZipArchive } from '../src/data/zip.js';
import { GbmError } from '../src/util/errors.js';
import { encodeJpeg, encodePng, makeImageFolder, python, requireData, syntheticRgb, tmpDir } from './helpers.js';

/** A miniature TinyImageNet zip in the official layout, written by Python's zipfile (an independent writer). */
function makeTinyZip(dir: string): { zip: string; wnids: string[]; val: [string, string][] } {
  const wnids = ['n0300', 'n0100', 'n0200']; // deliberately unsorted, as in the real wnids.txt
  const staging = path.join(dir, 'staging', 'tiny-imagenet-200');
  const val: [string, string][] = [];
  wnids.forEach((w, ci) => {
    const imgDir = path.join(staging, 'train', w, 'images');
    fs.mkdirSync(imgDir, { recursive: true });
    for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(imgDir, `${w}_${i}.JPEG`), encodeJpeg(syntheticRgb(64, 64, ci, i), 64, 64));
    fs.writeFileSync(path.join(staging, 'train', w, `${w}_boxes.txt`), '');
  });
  fs.mkdirSync(path.join(staging, 'val', 'images'), { recursive: true });
  for (let i = 0; i < 9; i++) {
    const w = wnids[(i * 2) % 3];
    val.push([`val_${i}.JPEG`, w]);
    fs.writeFileSync(path.join(staging, 'val', 'images', `val_${i}.JPEG`), encodeJpeg(syntheticRgb(64, 64, wnids.indexOf(w), 100 + i), 64, 64));
  }
  fs.writeFileSync(path.join(staging, 'val', 'val_annotations.txt'), `${val.map(([f, w]) => `${f}\t${w}\t0\t0\t63\t63`).join('\n')}\n`);
  fs.writeFileSync(path.join(staging, 'wnids.txt'), `${wnids.join('\n')}\n`);
  fs.writeFileSync(path.join(staging, 'words.txt'), `${wnids.map((w) => `${w}\tthing ${w}, other`).join('\n')}\n`);
  const zip = path.join(dir, 'tiny-imagenet-200.zip');
  python(
    `import os, sys, zipfile
root = sys.argv[1]
with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:
    for d, _, fs in sorted(os.walk(root)):
        for f in sorted(fs):
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, os.path.dirname(root)))`,
    [staging, zip],
  );
  return { zip, wnids, val };
}

describe('data: zip archives', () => {
  it('reads every member of a Python-written zip byte for byte', () => {
    const dir = tmpDir('zip');
    const { zip } = makeTinyZip(dir);
    const archive = new ZipArchive(zip);
    const listed = python('import zipfile, sys\nfor n in zipfile.ZipFile(sys.argv[1]).namelist(): print(n)', [zip]).trim().split('\n');
    assert.deepEqual(archive.names(), listed);
    const member = 'tiny-imagenet-200/train/n0100/images/n0100_3.JPEG';
    assert.deepEqual(archive.extract(member), fs.readFileSync(path.join(dir, 'staging', member)));
    archive.close();
  });

  it('rejects a truncated zip with an error naming the file and the fix', () => {
    const dir = tmpDir('trunc');
    const { zip } = makeTinyZip(dir);
    const cut = path.join(dir, 'cut.zip');
    fs.writeFileSync(cut, fs.readFileSync(zip).subarray(0, Math.floor(fs.statSync(zip).size * 0.6)));
    assert.throws(
      () => new ZipArchive(cut, 'download it again.'),
      (e: unknown) => e instanceof GbmError && e.message.includes(cut) && /truncated/.test(e.message) && /Fix: download it again/.test(e.message),
    );
  });

  it('reads the real TinyImageNet zip (zip64, 110k members)', function () {
    const file = requireData(this, 'tiny-imagenet-200.zip');
    const archive = new ZipArchive(file);
    assert.ok(archive.entries.size > 65535, 'the real archive needs zip64');
    assert.ok(archive.extract('tiny-imagenet-200/wnids.txt').toString().split(/\s+/).filter(Boolean).length === 200);
    archive.close();
  });
});

describe('data: TinyImageNet', () => {
  it('orders classes by sorted wnid and labels val images from val_annotations.txt', () => {
    const dir = tmpDir('tin');
    const { zip, wnids, val } = makeTinyZip(dir);
    const ds = new TinyImageNet({ name: 'tinyimagenet', path: zip, fingerprint: 'x' });
    const sorted = [...wnids].sort();
    assert.deepEqual(ds.classNames, sorted);
    assert.deepEqual(
      ds.classTitles,
      sorted.map((w) => `thing ${w}`),
    );
    assert.equal(ds.size('train'), 36);
    assert.deepEqual(classCounts(ds.labels('train'), 3), [12, 12, 12]);
    assert.deepEqual(
      [...ds.labels('test')],
      val.map(([, w]) => sorted.indexOf(w)),
    );
    assert.equal(ds.imageName('train', 13), 'n0200_1.JPEG');
    const im = ds.image('test', 4);
    assert.deepEqual([im.width, im.height, im.channels], [64, 64, 3]);
    ds.close();
  });

  it('labels of the real val split match val_annotations.txt as Python reads it', async function () {
    requireData(this, 'tiny-imagenet-200.zip');
    const ds = await openDataset('tinyimagenet');
    const ref = python(
      `import zipfile, sys
z = zipfile.ZipFile(sys.argv[1])
wn = sorted(z.read('tiny-imagenet-200/wnids.txt').decode().split())
rows = [l.split('\\t') for l in z.read('tiny-imagenet-200/val/val_annotations.txt').decode().splitlines() if l]
rows.sort(key=lambda r: int(r[0].split('_')[1].split('.')[0]))
print(' '.join(str(wn.index(r[1])) for r in rows))`,
      [ds.spec.path],
    )
      .trim()
      .split(' ')
      .map(Number);
    assert.equal(ds.size('train'), 100000);
    assert.equal(ds.size('test'), 10000);
    assert.deepEqual([...ds.labels('test')], ref);
    assert.deepEqual(new Set(classCounts(ds.labels('train'), 200)), new Set([500]));
    assert.equal(ds.classNames[0], 'n01443537');
    ds.close();
  });

  it('names a corrupt JPEG inside the zip', () => {
    const dir = tmpDir('tinbad');
    const { zip } = makeTinyZip(dir);
    // Corrupt one member in place, keeping the CRC consistent by rewriting through Python.
    python(
      `import zipfile, sys
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as b:
    for i in a.infolist():
        data = a.read(i)
        if i.filename.endswith('n0100_2.JPEG'): data = data[:200]
        b.writestr(i, data)`,
      [zip, path.join(dir, 'bad.zip')],
    );
    const ds = new TinyImageNet({ name: 'tinyimagenet', path: path.join(dir, 'bad.zip'), fingerprint: 'x' });
    assert.throws(
      () => ds.image('train', 2),
      (e: unknown) => e instanceof GbmError && e.message.includes('n0100_2.JPEG'),
    );
    ds.close();
  });
});

describe('data: image folder', () => {
  it('reads JPEG and PNG images with sorted class folders as labels', () => {
    const root = tmpDir('folder');
    makeImageFolder(root, ['zebra', 'apple'], { train: 3, test: 2 });
    const png = syntheticRgb(20, 10, 5, 0);
    fs.writeFileSync(path.join(root, 'train', 'apple', 'z_last.png'), encodePng(png, 20, 10));
    const ds = new ImageFolderDataset(imageFolderSpec(root));
    assert.deepEqual(ds.classNames, ['apple', 'zebra']);
    assert.deepEqual([...ds.labels('train')], [0, 0, 0, 0, 1, 1, 1]);
    assert.deepEqual([...ds.labels('test')], [0, 0, 1, 1]);
    const im = ds.image('train', 3);
    assert.deepEqual([im.width, im.height], [20, 10]);
    assert.deepEqual(im.data, png, 'PNG is lossless: pixels come back exactly');
  });

  it('follows class folders that are symbolic links (they used to be skipped without a word), and names a broken one', () => {
    const root = tmpDir('folder-links');
    const elsewhere = tmpDir('folder-targets');
    makeImageFolder(root, ['a', 'b', 'c'], { train: 2, test: 1 });
    makeImageFolder(elsewhere, ['d'], { train: 2, test: 1 });
    for (const split of ['train', 'test']) fs.symlinkSync(path.join(elsewhere, split, 'd'), path.join(root, split, 'd'));
    const ds = new ImageFolderDataset(imageFolderSpec(root));
    assert.deepEqual(ds.classNames, ['a', 'b', 'c', 'd']);
    assert.equal(ds.size('train'), 8);
    fs.symlinkSync(path.join(elsewhere, 'nowhere'), path.join(root, 'train', 'e'));
    assert.throws(
      () => new ImageFolderDataset(imageFolderSpec(root)),
      /train\/e is a broken symbolic link \(its target is missing\)\. Fix: fix or remove the link/,
    );
  });

  it('rejects an empty class folder and an unknown test class, naming the folder', () => {
    const root = tmpDir('folderbad');
    makeImageFolder(root, ['a', 'b'], { train: 2, test: 1 });
    fs.mkdirSync(path.join(root, 'train', 'c'));
    assert.throws(
      () => imageFolderSpec(root),
      (e: unknown) => e instanceof GbmError && e.message.includes(path.join(root, 'train', 'c')) && /no images/.test(e.message),
    );
    fs.rmdirSync(path.join(root, 'train', 'c'));
    fs.mkdirSync(path.join(root, 'test', 'q'));
    assert.throws(
      () => imageFolderSpec(root),
      (e: unknown) => e instanceof GbmError && e.message.includes(path.join(root, 'test', 'q')),
    );
  });

  it('rejects a corrupt image with the file name', () => {
    const root = tmpDir('foldercorrupt');
    makeImageFolder(root, ['a'], { train: 2, test: 0 });
    const bad = path.join(root, 'train', 'a', 'img_0001.jpg');
    fs.writeFileSync(bad, fs.readFileSync(bad).subarray(0, 100));
    const ds = new ImageFolderDataset(imageFolderSpec(root));
    assert.throws(
      () => ds.image('train', 1),
      (e: unknown) => e instanceof GbmError && e.message.includes(bad),
    );
  });

  it('needs --root, and rejects unknown dataset names', async () => {
    await assert.rejects(openDataset('imagefolder'), /needs a folder.*--root/);
    await assert.rejects(openDataset('cifar1000'), /unknown dataset "cifar1000".*tinyimagenet/);
  });
});

describe('data: IDX and Fashion-MNIST', () => {
  it('parses a hand-written IDX file and rejects a short one', () => {
    const header = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
    const body = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const a = parseIdx(Uint8Array.from([...header, ...body]), 'x.idx');
    assert.deepEqual(a.shape, [2, 2, 3]);
    assert.deepEqual([...a.data], body);
    assert.throws(() => parseIdx(Uint8Array.from([...header, ...body.slice(1)]), 'short.idx'), /short\.idx.*11 bytes, header says 12/);
  });

  it('reads the official Fashion-MNIST files: 60k/10k, 6000/1000 per class, first labels 9 2 1 1 6', function () {
    let spec: ReturnType<typeof fashionMnistSpec>;
    try {
      spec = fashionMnistSpec();
    } catch (e) {
      if (process.env.GBM_REQUIRE_DATA === '1') throw e;
      this.skip();
    }
    const ds = new FashionMnist(spec!);
    assert.equal(ds.size('train'), 60000);
    assert.equal(ds.size('test'), 10000);
    assert.deepEqual(new Set(classCounts(ds.labels('train'), 10)), new Set([6000]));
    assert.deepEqual(new Set(classCounts(ds.labels('test'), 10)), new Set([1000]));
    assert.deepEqual([...ds.labels('test').subarray(0, 5)], [9, 2, 1, 1, 6]);
    const im = ds.image('train', 0);
    assert.equal(im.channels, 1);
    assert.equal(im.data.length, 784);
  });
});
