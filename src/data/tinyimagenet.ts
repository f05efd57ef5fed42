import { sha256FileMemo } from '../util/hash.js';
import { GbmError } from '../util/errors.js';
import path from 'node:path';
import type { DatasetSpec, ImageDataset, Split } from './dataset.js';
import { decodeImage, type RawImage } from './image.js';
import { cacheDir, locateOrDownload, type RemoteFile } from './locate.js';
import { ZipArchive } from './zip.js';

/** The official TinyImageNet-200 archive (Stanford CS231n); md5 as published by the dataset loaders. */
export const TINY_IMAGENET_ZIP: RemoteFile = {
  relPath: 'tiny-imagenet-200.zip',
  url: 'http://cs231n.stanford.edu/tiny-imagenet-200.zip',
  digest: { algorithm: 'md5', hex: '90528d7ca1a48142e341f4ef8d21d0de' },
  what: 'TinyImageNet-200',
};

const ROOT = 'tiny-imagenet-200/';
const FIX = `download ${TINY_IMAGENET_ZIP.url} again (248,100,043 bytes) and put it in $GBM_DATA_DIR.`;

function numericSuffix(file: string): number {
  const m = /_(\d+)\.[A-Za-z]+$/.exec(file);
  return m ? Number(m[1]) : -1;
}

/** TinyImageNet-200 read straight from the official zip: train 200 x 500, val (our test) 200 x 50, 64x64 RGB. */
export class TinyImageNet implements ImageDataset {
  readonly classNames: string[];
  readonly classTitles: string[];
  readonly notes = ['TinyImageNet val set (50 per class) used as the test split, as in PyCIL/FeTrIL/FeCAM'];
  private readonly zip: ZipArchive;
  private readonly files: Record<Split, string[]> = { train: [], test: [] };
  private readonly labelArrays: Record<Split, Int32Array>;

  constructor(readonly spec: DatasetSpec) {
    this.zip = new ZipArchive(spec.path, FIX);
    const names = this.zip.names();
    const byClass = new Map<string, string[]>();
    for (const n of names) {
      const m = /^tiny-imagenet-200\/train\/([^/]+)\/(.*)$/.exec(n);
      if (!m) continue;
      const list = byClass.get(m[1]) ?? [];
      byClass.set(m[1], list);
      if (/^images\/[^/]+\.jpe?g$/i.test(m[2])) list.push(n);
    }
    this.classNames = [...byClass.keys()].sort();
    if (this.classNames.length === 0) throw new GbmError(`${spec.path} has no ${ROOT}train/<wnid>/images/ folders.`, FIX);
    const wnids = this.zip.extract(`${ROOT}wnids.txt`).toString('utf8').split(/\s+/).filter(Boolean).sort();
    if (wnids.join() !== this.classNames.join()) {
      throw new GbmError(`${spec.path}: train folders do not match wnids.txt (${this.classNames.length} vs ${wnids.length}).`, FIX);
    }
    const words = new Map<string, string>();
    if (this.zip.entries.has(`${ROOT}words.txt`)) {
      for (const line of this.zip.extract(`${ROOT}words.txt`).toString('utf8').split('\n')) {
        const [id, text] = line.split('\t');
        if (id && text) words.set(id, text.split(',')[0].trim());
      }
    }
    this.classTitles = this.classNames.map((c) => words.get(c) ?? c);
    const index = new Map(this.classNames.map((c, i) => [c, i] as const));
    const trainLabels: number[] = [];
    for (const c of this.classNames) {
      const list = (byClass.get(c) ?? []).sort((a, b) => numericSuffix(a) - numericSuffix(b));
      if (list.length === 0) throw new GbmError(`${spec.path}: class folder ${ROOT}train/${c}/images/ is empty.`, FIX);
      for (const f of list) {
        this.files.train.push(f);
        trainLabels.push(index.get(c)!);
      }
    }
    const ann = this.zip.extract(`${ROOT}val/val_annotations.txt`).toString('utf8');
    const val: [string, number][] = [];
    for (const line of ann.split('\n')) {
      if (!line.trim()) continue;
      const [file, wnid] = line.split('\t');
      const label = index.get(wnid);
      if (label === undefined) throw new GbmError(`${spec.path}: val_annotations.txt names unknown class ${wnid} for ${file}.`, FIX);
      val.push([`${ROOT}val/images/${file}`, label]);
    }
    val.sort((a, b) => numericSuffix(a[0]) - numericSuffix(b[0]));
    for (const [f] of val) if (!this.zip.entries.has(f)) throw new GbmError(`${spec.path}: ${f} listed in val_annotations.txt is missing.`, FIX);
    this.files.test = val.map((v) => v[0]);
    this.labelArrays = { train: Int32Array.from(trainLabels), test: Int32Array.from(val.map((v) => v[1])) };
  }

  size(split: Split): number {
    return this.files[split].length;
  }

  labels(split: Split): Int32Array {
    return this.labelArrays[split];
  }

  image(split: Split, i: number): RawImage {
    const name = this.files[split][i];
    return decodeImage(this.zip.extract(name), `${this.spec.path}:${name}`);
  }

  imageName(split: Split, i: number): string {
    return path.basename(this.files[split][i]);
  }

  close(): void {
    this.zip.close();
  }
}

/** Locate (or download) the TinyImageNet zip and describe it, fingerprinted by its sha256. */
export async function tinyImageNetSpec(): Promise<DatasetSpec> {
  const file = await locateOrDownload(TINY_IMAGENET_ZIP);
  return { name: 'tinyimagenet', path: file, fingerprint: sha256FileMemo(file, path.join(cacheDir(), 'checksums.json')) };
}
