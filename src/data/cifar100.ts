import fs from 'node:fs';
import path from 'node:path';
import { GbmError } from '../util/errors.js';
import { sha256, sha256FileMemo } from '../util/hash.js';
import type { DatasetSpec, ImageDataset, Split } from './dataset.js';
import type { RawImage } from './image.js';
import { cacheDir, dataDirs, findDataPath, locateOrDownload, findOfficialFile, type RemoteFile } from './locate.js';
import { pickleField, unpickle, type PickledArray } from './pickle.js';
import { readTar } from './tar.js';

/** The official CIFAR-100 archives (Krizhevsky 2009), with the md5 sums published on the CIFAR page. */
export const CIFAR100_ARCHIVES = {
  python: {
    relPath: 'cifar-100-python.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz',
    digest: { algorithm: 'md5', hex: 'eb9058c3a382ffc7106e4002c42a8d85' },
    what: 'CIFAR-100 (python version)',
  },
  binary: {
    relPath: 'cifar-100-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    digest: { algorithm: 'md5', hex: '03b5dce01913d631647c71ecec9e9cb8' },
    what: 'CIFAR-100 (binary version)',
  },
} satisfies Record<string, RemoteFile>;

/** Which of CIFAR-100's two label sets a dataset uses: the 100 fine classes or the 20 coarse superclasses. */
export type CifarLabels = 'fine' | 'coarse';

const FIX = `use the official ${CIFAR100_ARCHIVES.python.relPath} or ${CIFAR100_ARCHIVES.binary.relPath} from https://www.cs.toronto.edu/~kriz/cifar.html (download it again if it is truncated).`;
const PIXELS = 32 * 32;

/** Both splits in CIFAR's own layout: N x 3072 bytes (1024 R, 1024 G, 1024 B per image), both label sets, names. */
interface CifarData {
  images: Record<Split, Uint8Array>;
  labels: Record<Split, Record<CifarLabels, Int32Array>>;
  names: Record<CifarLabels, string[]>;
}

type Files = Map<string, Buffer>;

const MEMBERS = ['train', 'test', 'meta', 'train.bin', 'test.bin', 'fine_label_names.txt', 'coarse_label_names.txt'];

/** The member files of an extracted folder (itself, or its cifar-100-python/ or cifar-100-binary/ child), by base name. */
function folderMembers(p: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of [p, path.join(p, 'cifar-100-python'), path.join(p, 'cifar-100-binary')]) {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d)) if (MEMBERS.includes(f) && fs.statSync(path.join(d, f)).isFile() && !files.has(f)) files.set(f, path.join(d, f));
  }
  return files;
}

/** The members of an archive or an extracted folder, by base name (train, test, meta, train.bin, *.txt). */
function readMembers(p: string): Files {
  if (fs.statSync(p).isDirectory()) return new Map([...folderMembers(p)].map(([n, f]) => [n, fs.readFileSync(f)]));
  return new Map(readTar(p, FIX, (n) => MEMBERS.includes(path.basename(n))).map((m) => [path.basename(m.name), m.data]));
}

function uint8Array(v: unknown, what: string, source: string): PickledArray {
  const a = v as PickledArray;
  if (a?.kind !== 'ndarray') throw new GbmError(`${source}: "${what}" is not a numpy array.`, FIX);
  if (a.dtype !== '|u1') throw new GbmError(`${source}: "${what}" has dtype ${a.dtype}, CIFAR stores uint8 (|u1).`, FIX);
  if (a.shape.length !== 2 || a.shape[1] !== 3 * PIXELS) throw new GbmError(`${source}: "${what}" has shape [${a.shape.join(', ')}], expected [N, 3072].`, FIX);
  if (a.data.length !== a.shape[0] * a.shape[1])
    throw new GbmError(`${source}: "${what}" holds ${a.data.length} bytes for shape [${a.shape.join(', ')}]: truncated.`, FIX);
  return a;
}

function labelList(v: unknown, n: number, classes: number, what: string, source: string): Int32Array {
  if (!Array.isArray(v) || v.length !== n) throw new GbmError(`${source}: "${what}" has ${Array.isArray(v) ? v.length : 'no'} labels for ${n} images.`, FIX);
  const out = Int32Array.from(v as number[]);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(v[i]) || out[i] < 0 || out[i] >= classes)
      throw new GbmError(`${source}: "${what}"[${i}] = ${String(v[i])} is not a class index below ${classes}.`, FIX);
  }
  return out;
}

function nameList(v: unknown, expected: number, what: string, source: string): string[] {
  const names = (Array.isArray(v) ? v : []).map((x) => (Buffer.isBuffer(x) ? x.toString('latin1') : String(x)));
  if (names.length !== expected) throw new GbmError(`${source}: "${what}" lists ${names.length} names, expected ${expected}.`, FIX);
  return names;
}

/** The python version: pickled dicts train / test (data, fine_labels, coarse_labels) and meta (label names). */
function readPythonVersion(files: Files, source: string): CifarData {
  const meta = unpickle(files.get('meta')!, `${source}:meta`);
  const names = {
    fine: nameList(pickleField(meta, 'fine_label_names', `${source}:meta`), 100, 'fine_label_names', `${source}:meta`),
    coarse: nameList(pickleField(meta, 'coarse_label_names', `${source}:meta`), 20, 'coarse_label_names', `${source}:meta`),
  };
  const images = {} as CifarData['images'];
  const labels = {} as CifarData['labels'];
  for (const split of ['train', 'test'] as const) {
    const src = `${source}:${split}`;
    const d = unpickle(files.get(split)!, src);
    const data = uint8Array(pickleField(d, 'data', src), 'data', src);
    const n = data.shape[0];
    images[split] = new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.length);
    labels[split] = {
      fine: labelList(pickleField(d, 'fine_labels', src), n, 100, 'fine_labels', src),
      coarse: labelList(pickleField(d, 'coarse_labels', src), n, 20, 'coarse_labels', src),
    };
  }
  return { images, labels, names };
}

/** The binary version: train.bin / test.bin records of <coarse byte><fine byte><3072 pixel bytes>, names in .txt files. */
function readBinaryVersion(files: Files, source: string): CifarData {
  const txt = (f: string, expected: number): string[] => {
    const b = files.get(f);
    if (!b) throw new GbmError(`${source} has no ${f}.`, FIX);
    return nameList(
      b
        .toString('utf8')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean),
      expected,
      f,
      `${source}:${f}`,
    );
  };
  const names = { fine: txt('fine_label_names.txt', 100), coarse: txt('coarse_label_names.txt', 20) };
  const images = {} as CifarData['images'];
  const labels = {} as CifarData['labels'];
  const rec = 2 + 3 * PIXELS;
  for (const split of ['train', 'test'] as const) {
    const b = files.get(`${split}.bin`)!;
    if (b.length % rec !== 0) throw new GbmError(`${source}:${split}.bin has ${b.length} bytes, not a whole number of ${rec}-byte records: truncated.`, FIX);
    const n = b.length / rec;
    const img = new Uint8Array(n * 3 * PIXELS);
    const fine = new Int32Array(n);
    const coarse = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      coarse[i] = b[i * rec];
      fine[i] = b[i * rec + 1];
      if (coarse[i] >= 20 || fine[i] >= 100)
        throw new GbmError(`${source}:${split}.bin record ${i} has labels ${coarse[i]}/${fine[i]} (coarse/fine) out of range.`, FIX);
      img.set(b.subarray(i * rec + 2, (i + 1) * rec), i * 3 * PIXELS);
    }
    images[split] = img;
    labels[split] = { fine, coarse };
  }
  return { images, labels, names };
}

/** Read either official version from an archive or an extracted folder. */
export function readCifar100(p: string): CifarData {
  if (!fs.existsSync(p)) throw new GbmError(`CIFAR-100 not found at ${p}.`, FIX);
  const files = readMembers(p);
  if (files.has('train') && files.has('test') && files.has('meta')) return readPythonVersion(files, p);
  if (files.has('train.bin') && files.has('test.bin')) return readBinaryVersion(files, p);
  throw new GbmError(
    `${p} holds neither CIFAR-100 version (python: train, test, meta; binary: train.bin, test.bin); found: ${[...files.keys()].join(', ') || 'nothing'}.`,
    FIX,
  );
}

/** CIFAR-100 from its official python or binary archive: 50,000 train and 10,000 test 32x32 RGB images. */
export class Cifar100 implements ImageDataset {
  readonly classNames: string[];
  readonly classTitles: string[];
  readonly notes: string[];
  private readonly data: CifarData;

  constructor(
    readonly spec: DatasetSpec,
    readonly labelSet: CifarLabels,
  ) {
    this.data = readCifar100(spec.path);
    this.classNames = this.data.names[labelSet];
    this.classTitles = this.classNames;
    this.notes = labelSet === 'coarse' ? ['CIFAR-100 coarse labels: 20 superclasses'] : [];
  }

  size(split: Split): number {
    return this.data.labels[split].fine.length;
  }

  labels(split: Split): Int32Array {
    return this.data.labels[split][this.labelSet];
  }

  image(split: Split, i: number): RawImage {
    // CIFAR stores planes (R, G, B); images are HWC.
    const src = this.data.images[split].subarray(i * 3 * PIXELS, (i + 1) * 3 * PIXELS);
    const out = new Uint8Array(3 * PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      out[3 * p] = src[p];
      out[3 * p + 1] = src[PIXELS + p];
      out[3 * p + 2] = src[2 * PIXELS + p];
    }
    return { width: 32, height: 32, channels: 3, data: out };
  }

  imageName(split: Split, i: number): string {
    return `${split}[${i}]`;
  }

  close(): void {}
}

/** sha256 of the archive, or of the member files of a folder, each remembered by (path, size, mtime): no re-read on reuse. */
function fingerprint(p: string): string {
  const memo = path.join(cacheDir(), 'checksums.json');
  if (!fs.statSync(p).isDirectory()) return sha256FileMemo(p, memo);
  return sha256(
    [...folderMembers(p)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, f]) => `${n}:${sha256FileMemo(f, memo)}`)
      .join(),
  );
}

/**
 * Find CIFAR-100: `root` if given (an archive or extracted folder, read as is), else an official archive or its
 * extracted folder in the data folders (archives checked against the official md5), else download the python version.
 */
export async function cifar100Spec(name: string, root?: string): Promise<DatasetSpec> {
  let p = root ? path.resolve(root) : null;
  if (p && !fs.existsSync(p))
    throw new GbmError(
      `--root ${root} does not exist.`,
      'point it at cifar-100-python.tar.gz, cifar-100-binary.tar.gz or an extracted cifar-100-python/ folder.',
    );
  p ??=
    findOfficialFile(CIFAR100_ARCHIVES.python) ??
    findOfficialFile(CIFAR100_ARCHIVES.binary) ??
    findDataPath('cifar-100-python') ??
    findDataPath('cifar-100-binary');
  if (!p) {
    try {
      p = await locateOrDownload(CIFAR100_ARCHIVES.python);
    } catch (err) {
      throw new GbmError(
        `CIFAR-100 is not in ${dataDirs().join(', ')} and could not be downloaded (${(err as Error).message.split('\n')[0]}).`,
        `put ${CIFAR100_ARCHIVES.python.relPath} (${CIFAR100_ARCHIVES.python.url}) or ${CIFAR100_ARCHIVES.binary.relPath} in $GBM_DATA_DIR, or pass --root <archive or folder>.`,
      );
    }
  }
  return { name, path: p, fingerprint: fingerprint(p) };
}
