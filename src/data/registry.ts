import { GbmError } from '../util/errors.js';
import type { DatasetSpec, ImageDataset } from './dataset.js';
import { Cifar100, cifar100Spec } from './cifar100.js';
import { Core50, core50Spec } from './core50.js';
import { FashionMnist, fashionMnistSpec } from './fashion-mnist.js';
import { ImageFolderDataset, imageFolderClassCount, imageFolderProtocol, imageFolderSpec } from './imagefolder.js';
import { TinyImageNet, tinyImageNetSpec } from './tinyimagenet.js';

/** How a registered dataset is found (`locate`) and opened from its spec (`open`, also in worker threads). */
interface DatasetEntry {
  description: string;
  /** Native image size (H, W) and the backbone input size the kit uses by default. */
  defaultInputSize: number;
  /** The field's class-incremental protocol: base classes and the usual task counts (first = default). */
  protocol: { baseClasses: number; tasks: number[] };
  /** A protocol that depends on the data found at `root` (an image folder's class count); overrides `protocol`. */
  protocolFor?(root: string | undefined): { baseClasses: number; tasks: number[] } | null;
  /** The backbone used unless --backbone says otherwise: a committed class-incremental-clean one where the kit has it. */
  defaultBackbone: string;
  locate(options: { root?: string }): Promise<DatasetSpec>;
  open(spec: DatasetSpec): ImageDataset;
}

/** Every dataset the kit can read, by the name used on the command line (`--dataset`). */
export const DATASETS: Record<string, DatasetEntry> = {
  tinyimagenet: {
    description: 'TinyImageNet-200 (official zip): 200 classes, 500 train + 50 val (used as test) per class, 64x64',
    defaultInputSize: 64,
    protocol: { baseClasses: 100, tasks: [5, 10, 20] },
    defaultBackbone: 'resnet20-e8ste',
    locate: () => tinyImageNetSpec(),
    open: (spec) => new TinyImageNet(spec),
  },
  'fashion-mnist': {
    description: 'Fashion-MNIST (official IDX files): 10 classes, 60k train + 10k test, 28x28 gray',
    defaultInputSize: 32,
    protocol: { baseClasses: 5, tasks: [5] },
    defaultBackbone: 'mobilenet',
    locate: async () => fashionMnistSpec(),
    open: (spec) => new FashionMnist(spec),
  },
  cifar100: {
    description: 'CIFAR-100 (official python or binary archive), 100 fine classes: 500 train + 100 test per class, 32x32',
    defaultInputSize: 32,
    protocol: { baseClasses: 50, tasks: [5, 10, 20] },
    defaultBackbone: 'mobilenet',
    locate: ({ root }) => cifar100Spec('cifar100', root),
    open: (spec) => new Cifar100(spec, 'fine'),
  },
  'cifar100-coarse': {
    description: 'CIFAR-100 with its 20 coarse superclasses (same archives), 2,500 train + 500 test per class',
    defaultInputSize: 32,
    protocol: { baseClasses: 10, tasks: [5, 10] },
    defaultBackbone: 'mobilenet',
    locate: ({ root }) => cifar100Spec('cifar100-coarse', root),
    open: (spec) => new Cifar100(spec, 'coarse'),
  },
  core50: {
    description: 'CORe50 (official core50_128x128.zip), 50 objects, train sessions 1,2,4,5,6,8,9,11 / test 3,7,10, 128x128',
    defaultInputSize: 64,
    protocol: { baseClasses: 10, tasks: [8, 4] },
    defaultBackbone: 'mobilenet',
    locate: ({ root }) => core50Spec('core50', root),
    open: (spec) => new Core50(spec, 'object'),
  },
  'core50-categories': {
    description: 'CORe50 with its 10 categories (5 objects each) as classes, same archive and split',
    defaultInputSize: 64,
    protocol: { baseClasses: 2, tasks: [4] },
    defaultBackbone: 'mobilenet',
    locate: ({ root }) => core50Spec('core50-categories', root),
    open: (spec) => new Core50(spec, 'category'),
  },
  imagefolder: {
    description: 'your images as <root>/{train,test}/<class>/*.{jpg,png} (needs --root)',
    defaultInputSize: 64,
    // Placeholder until the folder is seen: protocolFor reads its class count (half as base, the rest in <= 5 tasks).
    protocol: { baseClasses: 2, tasks: [5] },
    protocolFor: (root) => {
      const n = root ? imageFolderClassCount(root) : 0;
      return n ? imageFolderProtocol(n) : null;
    },
    defaultBackbone: 'mobilenet',
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

/**
 * The protocol a dataset is run with unless told otherwise (B, T): the field's for the benchmarks, one fitted to
 * the data for an image folder (given its root); unknown names (e.g. npy features) get TinyImageNet's.
 */
export function datasetProtocol(name: string, root?: string): { baseClasses: number; tasks: number[] } {
  const e = DATASETS[name];
  return e?.protocolFor?.(root) ?? e?.protocol ?? { baseClasses: 100, tasks: [5, 10, 20] };
}

/**
 * The backbone a dataset is run with unless told otherwise: TinyImageNet's is the committed ResNet-20 trained on its
 * base classes only, with the STE phase (models/resnet20-e8ste-tinyimagenet); datasets without a committed clean
 * backbone use MobileNet.
 */
export function defaultBackbone(name: string): string {
  return DATASETS[name]?.defaultBackbone ?? 'mobilenet';
}

/** The backbone input size a dataset uses unless told otherwise. */
export function defaultInputSize(name: string): number {
  return entry(name).defaultInputSize;
}
