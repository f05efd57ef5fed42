import { defaultInputSize } from '../data/registry.js';
import { GbmError } from '../util/errors.js';
import type { Backbone, BackboneSpec } from './backbone.js';
import { loadMobilenet, mobilenetDefaultInput, mobilenetSpec } from './mobilenet.js';
import { NETS } from './nets.js';
import { readNetJson } from './checkpoint.js';
import { isNetPath, loadTrainedNet, netDirFor, trainedNetSpec } from './trained.js';

interface BackboneEntry {
  description: string;
  /** Find the weights for a dataset; `inputSize` undefined = the backbone's or dataset's default. */
  locate(inputSize: number | undefined, dataset: string): Promise<BackboneSpec>;
  load(spec: BackboneSpec): Promise<Backbone>;
}

const trainedEntry = (
  arch: string,
  description = `${NETS[arch]?.description}; trained by \`gbm train-backbone --arch ${arch}\`, read from models/${arch}-<dataset>/`,
): BackboneEntry => ({
  description,
  locate: async (inputSize, dataset) => trainedNetSpec(arch, dataset, inputSize),
  load: async (spec) => loadTrainedNet(spec),
});

/**
 * Trained networks known by a name of their own rather than their architecture (a variant of one), each read from
 * models/<name>-<dataset>/ like the architectures' own folders.
 */
const NAMED_NETS: Record<string, string> = {
  'resnet20-64':
    'ResNet-20 at 64x64 input with a stride-2 stem (the cost of 32x32), trained with the STE phase: gbm train-backbone --arch resnet20 --input-size 64 --stem-stride 2 --out models/resnet20-64-<dataset>',
  'resnet20-ste':
    'ResNet-20 at 32x32, 8 epochs on every core then one epoch of the STE phase (thermometer p = 1 in the loop): gbm train-backbone --arch resnet20 --input-size 32 --epochs 8 --warmup-epochs 0.5 --ste-epochs 1 --out models/resnet20-ste-<dataset>',
  'resnet20-e8':
    'The same ResNet-20 before its STE phase (8 epochs at 32x32, on every core): gbm train-backbone --arch resnet20 --input-size 32 --epochs 8 --warmup-epochs 0.5 --ste-epochs 0 --out models/resnet20-e8-<dataset>',
  'resnet20-e8ste':
    'resnet20-e8 after one epoch of the STE phase whose head started fitted on its codes: gbm train-backbone --from models/resnet20-e8-<dataset> --ste-epochs 1 --out models/resnet20-e8ste-<dataset>',
};

/**
 * Every backbone the kit can extract features with, by its `--backbone` name; a path to a folder written by
 * `gbm train-backbone` works too.
 */
export const BACKBONES: Record<string, BackboneEntry> = {
  mobilenet: {
    description: 'MobileNet v1 0.25, ImageNet-pretrained (tfjs-models), frozen, 256-d pooled conv_pw_13_relu; overlaps ImageNet',
    locate: (inputSize, dataset) => mobilenetSpec(inputSize ?? mobilenetDefaultInput(defaultInputSize(dataset))),
    load: loadMobilenet,
  },
  ...Object.fromEntries(Object.keys(NETS).map((arch) => [arch, trainedEntry(arch)])),
  ...Object.fromEntries(Object.entries(NAMED_NETS).map(([name, description]) => [name, trainedEntry(name, description)])),
};

function entry(name: string): BackboneEntry {
  if (isNetPath(name))
    return { description: 'trained network', locate: async (s, d) => trainedNetSpec(name, d, s), load: async (spec) => loadTrainedNet(spec) };
  const e = BACKBONES[name];
  if (!e)
    throw new GbmError(
      `unknown backbone "${name}".`,
      `use one of: ${Object.keys(BACKBONES).join(', ')}, or the folder of a network trained with \`gbm train-backbone\`.`,
    );
  return e;
}

/**
 * Find a backbone's weights by name (downloading them if needed) for a dataset (default TinyImageNet: it picks the
 * default input size and, for trained networks, the folder models/<arch>-<dataset>), at the given or default input size.
 */
export async function locateBackbone(name: string, inputSize?: number, dataset = 'tinyimagenet'): Promise<BackboneSpec> {
  return entry(name).locate(inputSize, dataset);
}

/** Load a backbone from its spec (in this thread or a worker). */
export async function loadBackbone(spec: BackboneSpec): Promise<Backbone> {
  // A folder under models/ is named after it (trainedNetSpec) whether or not the name is registered.
  return entry(spec.name === 'trained' || !BACKBONES[spec.name] ? spec.path : spec.name).load(spec);
}

/** Whether a backbone's embedding is already bits (a BNN), read from its model.json without loading it; false when unknown. */
export function backboneIsBinary(name: string, dataset: string): boolean {
  if (BACKBONES[name] === undefined && !isNetPath(name)) return false;
  if (name === 'mobilenet') return false;
  try {
    return readNetJson(netDirFor(name, dataset)).modelTopology.arch === 'bnn';
  } catch {
    return name === 'bnn';
  }
}
