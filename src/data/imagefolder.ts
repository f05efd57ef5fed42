import fs from 'node:fs';
import path from 'node:path';
import { GbmError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import type { DatasetSpec, ImageDataset, Split } from './dataset.js';
import { decodeImage, IMAGE_EXTENSIONS, type RawImage } from './image.js';

const LAYOUT = 'lay it out as <root>/train/<class>/*.jpg and <root>/test/<class>/*.jpg (JPEG or PNG).';

function listImages(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()))
    .sort();
}

/** Class folders of a split, sorted (the ImageFolder convention); a symbolic link to a folder counts as one, as torchvision's does. */
function listClasses(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => {
      if (d.isDirectory()) return true;
      if (!d.isSymbolicLink()) return false;
      try {
        return fs.statSync(path.join(dir, d.name)).isDirectory();
      } catch {
        throw new GbmError(`${path.join(dir, d.name)} is a broken symbolic link (its target is missing).`, 'fix or remove the link.');
      }
    })
    .map((d) => d.name)
    .sort();
}

/** Your own images in the ImageFolder convention: root/{train,test}/<class>/<image>; classes = sorted train folders. */
export class ImageFolderDataset implements ImageDataset {
  readonly classNames: string[];
  readonly classTitles: string[];
  readonly notes: string[] = [];
  private readonly files: Record<Split, string[]> = { train: [], test: [] };
  private readonly ids: Record<Split, string[]>;
  private readonly labelArrays: Record<Split, Int32Array>;

  constructor(readonly spec: DatasetSpec) {
    const scan = scanImageFolder(spec.path);
    this.classNames = scan.classNames;
    this.classTitles = scan.classNames;
    this.files = scan.files;
    this.ids = scan.ids;
    this.labelArrays = scan.labels;
  }

  size(split: Split): number {
    return this.files[split].length;
  }

  labels(split: Split): Int32Array {
    return this.labelArrays[split];
  }

  image(split: Split, i: number): RawImage {
    const file = path.join(this.spec.path, this.files[split][i]);
    return decodeImage(fs.readFileSync(file), file);
  }

  imageName(split: Split, i: number): string {
    return this.files[split][i];
  }

  imageId(split: Split, i: number): string {
    return this.ids[split][i];
  }

  close(): void {}
}

interface FolderScan {
  classNames: string[];
  files: Record<Split, string[]>;
  /** Per image: relative path, size and mtime (what identifies its bytes). */
  ids: Record<Split, string[]>;
  labels: Record<Split, Int32Array>;
  /** relative path, size and mtime of every image: the folder's identity. */
  listing: string;
}

/** Walk root/{train,test}/<class>/ and check the layout, with an error naming the offending folder. */
function scanImageFolder(root: string): FolderScan {
  if (!fs.existsSync(root)) throw new GbmError(`image folder ${root} does not exist.`, LAYOUT);
  const trainDir = path.join(root, 'train');
  if (!fs.existsSync(trainDir)) throw new GbmError(`image folder ${root} has no train/ folder.`, LAYOUT);
  const classNames = listClasses(trainDir);
  if (classNames.length === 0) throw new GbmError(`${trainDir} has no class folders.`, LAYOUT);
  const index = new Map(classNames.map((c, i) => [c, i] as const));
  const files: Record<Split, string[]> = { train: [], test: [] };
  const ids: Record<Split, string[]> = { train: [], test: [] };
  const labels: Record<Split, number[]> = { train: [], test: [] };
  const listing: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const dir = path.join(root, split);
    if (!fs.existsSync(dir)) continue; // train/ was checked above; test/ is optional
    for (const c of listClasses(dir)) {
      const label = index.get(c);
      if (label === undefined) throw new GbmError(`${path.join(dir, c)} is a class that train/ does not have.`, `add train/${c}/ or remove test/${c}/.`);
      const images = listImages(path.join(dir, c));
      if (images.length === 0)
        throw new GbmError(`class folder ${path.join(dir, c)} has no images (${IMAGE_EXTENSIONS.join(', ')}).`, `add images to it or remove the folder.`);
      for (const f of images) {
        const rel = path.join(split, c, f);
        const st = fs.statSync(path.join(root, rel));
        files[split].push(rel);
        labels[split].push(label);
        ids[split].push(`${rel}\t${st.size}\t${st.mtimeMs}`);
        listing.push(`${rel}\t${st.size}\t${st.mtimeMs}`);
      }
    }
  }
  return { classNames, files, ids, labels: { train: Int32Array.from(labels.train), test: Int32Array.from(labels.test) }, listing: listing.join('\n') };
}

/** How many classes an image folder has (its train/ class folders); 0 when it has no train/ folder yet. */
export function imageFolderClassCount(root: string): number {
  const trainDir = path.join(path.resolve(root), 'train');
  return fs.existsSync(trainDir) ? listClasses(trainDir).length : 0;
}

/**
 * The protocol an image folder is run with unless told otherwise: half its classes (at least 2) as the base task,
 * the rest in up to 5 tasks, so any folder of 3 or more classes runs without options.
 */
export function imageFolderProtocol(numClasses: number): { baseClasses: number; tasks: number[] } {
  const base = Math.max(2, Math.floor(numClasses / 2));
  return { baseClasses: base, tasks: [Math.max(1, Math.min(5, numClasses - base))] };
}

/** Describe an image folder, fingerprinted by its listing (paths, sizes, modification times). */
export function imageFolderSpec(root: string): DatasetSpec {
  const abs = path.resolve(root);
  return { name: 'imagefolder', path: abs, fingerprint: sha256(scanImageFolder(abs).listing) };
}
