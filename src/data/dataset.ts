import type { RawImage } from './image.js';

/** The two splits every dataset exposes; TinyImageNet's labelled `val` set is its `test` split (as in PyCIL). */
export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** Everything needed to reopen a dataset in another thread or process: plain JSON. */
export interface DatasetSpec {
  /** Registry name, e.g. "tinyimagenet". */
  name: string;
  /** The archive or folder the data is read from. */
  path: string;
  /** Content identity (e.g. the archive's sha256): a feature cache made from other data is never reused. */
  fingerprint: string;
}

/** An image classification dataset read lazily, one image at a time, in a fixed canonical order. */
export interface ImageDataset {
  readonly spec: DatasetSpec;
  /** Class names; class index = position in this list (sorted folder names, the ImageFolder convention). */
  readonly classNames: readonly string[];
  /** Human-readable class names for figures (e.g. TinyImageNet's words.txt), same order as classNames. */
  readonly classTitles: readonly string[];
  /** Caveats a reader of results must know (e.g. "val used as test"). */
  readonly notes: readonly string[];
  /** Number of images in a split. */
  size(split: Split): number;
  /** Class index of every image of a split, in canonical order. */
  labels(split: Split): Int32Array;
  /** Decode one image (HWC uint8). */
  image(split: Split, index: number): RawImage;
  /** A short name for the image, for error messages. */
  imageName(split: Split, index: number): string;
  /**
   * What identifies the image's bytes (an image folder: path, size, modification time), so finished feature chunks
   * are reused after other files change; absent = the dataset's fingerprint with the split and index.
   */
  imageId?(split: Split, index: number): string;
  /** Release open files. */
  close(): void;
}

/** Per-class counts of a label vector: a quick sanity check of a split. */
export function classCounts(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}
