import fs from 'node:fs';
import path from 'node:path';
import { GbmError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import type { DatasetSpec, ImageDataset, Split } from './dataset.js';
import type { RawImage } from './image.js';
import { readIdx } from './idx.js';
import { dataDirs } from './locate.js';

/** Class names of Fashion-MNIST, in label order. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** Debian's dataset-fashion-mnist location, then fashion-mnist/ in the data folders. */
function candidateDirs(): string[] {
  return ['/usr/share/datasets/fashion-mnist', ...dataDirs().map((d) => path.join(d, 'fashion-mnist'))];
}

function fileIn(dir: string, base: string): string | null {
  for (const f of [`${base}.gz`, base]) if (fs.existsSync(path.join(dir, f))) return path.join(dir, f);
  return null;
}

/** Fashion-MNIST (Zalando) from its official IDX files: 60,000 train and 10,000 test 28x28 gray images. */
export class FashionMnist implements ImageDataset {
  readonly classNames = FASHION_MNIST_CLASSES;
  readonly classTitles = FASHION_MNIST_CLASSES;
  readonly notes: string[] = [];
  private readonly images: Record<Split, Uint8Array>;
  private readonly labelArrays: Record<Split, Int32Array>;

  constructor(readonly spec: DatasetSpec) {
    const images = {} as Record<Split, Uint8Array>;
    const labels = {} as Record<Split, Int32Array>;
    for (const split of ['train', 'test'] as const) {
      const [imgFile, lblFile] = FILES[split].map((b) => fileIn(spec.path, b) ?? path.join(spec.path, `${b}.gz`));
      const img = readIdx(imgFile);
      const lbl = readIdx(lblFile);
      if (img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28) {
        throw new GbmError(`${imgFile}: expected N x 28 x 28 images, got ${img.shape.join(' x ')}.`, 'use the official Fashion-MNIST files.');
      }
      if (lbl.shape.length !== 1 || lbl.shape[0] !== img.shape[0]) {
        throw new GbmError(`${lblFile}: ${lbl.shape[0]} labels for ${img.shape[0]} images.`, 'use the matching official label file.');
      }
      images[split] = img.data;
      labels[split] = Int32Array.from(lbl.data);
    }
    this.images = images;
    this.labelArrays = labels;
  }

  size(split: Split): number {
    return this.labelArrays[split].length;
  }

  labels(split: Split): Int32Array {
    return this.labelArrays[split];
  }

  image(split: Split, i: number): RawImage {
    return { width: 28, height: 28, channels: 1, data: this.images[split].subarray(i * 784, (i + 1) * 784) };
  }

  imageName(split: Split, i: number): string {
    return `${split}[${i}]`;
  }

  close(): void {}
}

/** Find the Fashion-MNIST IDX files and fingerprint them (sha256 over the four files). */
export function fashionMnistSpec(): DatasetSpec {
  for (const dir of candidateDirs()) {
    const files = [...FILES.train, ...FILES.test].map((b) => fileIn(dir, b));
    if (files.every((f): f is string => f !== null)) {
      return { name: 'fashion-mnist', path: dir, fingerprint: sha256(files.map((f) => sha256(fs.readFileSync(f))).join()) };
    }
  }
  throw new GbmError(
    `Fashion-MNIST IDX files not found in ${candidateDirs().join(', ')}.`,
    'on Debian/Ubuntu run `sudo apt-get install dataset-fashion-mnist`, or put the four official *-ubyte.gz files in $GBM_DATA_DIR/fashion-mnist/.',
  );
}
