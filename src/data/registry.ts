import { GbmError } from '../util/errors.js';
import type { DatasetSpec, ImageDataset } from './dataset.js';
import { FashionMnist, fashionMnistSpec } from './fashion-mnist.js';
import { ImageFolderDataset, imageFolderSpec } from './imagefolder.js';
import { TinyImageNet, tinyImageNetSpec } from './tinyimagenet.js';

/** How a registered dataset is found (`locate`) and opened from its spec (`open`, also in worker threads). */
interface DatasetEntry {
  description: string;
  /** Native image size (H, W) and the backbone input size the kit uses by default. */
  defaultInputSize: number;
  locate(options: { root?: string }): Promise<DatasetSpec>;
  open(spec: DatasetSpec): ImageDataset;
}

/** Every dataset the kit can read, by the name used on the command line (`--dataset`). */
export const DATASETS: Record<string, DatasetEntry> = {
  tinyimagenet: {
    description: 'TinyImageNet-200 (official zip): 200 classes, 500 train + 50 val (used as test) per class, 64x64',
    defaultInputSize: 64,
    locate: () => tinyImageNetSpec(),
    open: (spec) => new TinyImageNet(spec),
  },
  'fashion-mnist': {
    description: 'Fashion-MNIST (official IDX files): 10 classes, 60k train + 10k test, 28x28 gray',
    defaultInputSize: 32,
    locate: async () => fashionMnistSpec(),
    open: (spec) => new FashionMnist(spec),
  },
  imagefolder: {
    description: 'your images as <root>/{train,test}/<class>/*.{jpg,png} (needs --root)',
    defaultInputSize: 64,
    locate: async ({ root }) => {
      if (!root) throw new GbmError('dataset "imagefolder" needs a folder.', 'pass --root <folder> (or { root } in the library call).');
      return imageFolderSpec(root);
    },
    open: (spec) => new ImageFolderDataset(spec),
  },
};

function entry(name: string): DatasetEntry {
  const e = DATASETS[name];
  if (!e) throw new GbmError(`unknown dataset "${name}".`, `use one of: ${Object.keys(DATASETS).join(', ')}.`);
  return e;
}

/** Find a dataset by name (downloading it if needed and possible) and open it. */
export async function openDataset(name: string, options: { root?: string } = {}): Promise<ImageDataset> {
  const e = entry(name);
  return e.open(await e.locate(options));
}

/** Reopen a dataset from a spec made elsewhere (worker threads, cached runs). */
export function reopenDataset(spec: DatasetSpec): ImageDataset {
  return entry(spec.name).open(spec);
}

/** The backbone input size a dataset uses unless told otherwise. */
export function defaultInputSize(name: string): number {
  return entry(name).defaultInputSize;
}
