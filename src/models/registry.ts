import { GbmError } from '../util/errors.js';
import type { Backbone, BackboneSpec } from './backbone.js';
import { loadMobilenet, mobilenetSpec } from './mobilenet.js';

interface BackboneEntry {
  description: string;
  locate(inputSize: number): Promise<BackboneSpec>;
  load(spec: BackboneSpec): Promise<Backbone>;
}

/** Every backbone the kit can extract features with, by its `--backbone` name. */
export const BACKBONES: Record<string, BackboneEntry> = {
  mobilenet: {
    description: 'MobileNet v1 0.25, ImageNet-pretrained (tfjs-models), frozen, 256-d pooled conv_pw_13_relu; overlaps ImageNet',
    locate: mobilenetSpec,
    load: loadMobilenet,
  },
};

function entry(name: string): BackboneEntry {
  const e = BACKBONES[name];
  if (!e) throw new GbmError(`unknown backbone "${name}".`, `use one of: ${Object.keys(BACKBONES).join(', ')}.`);
  return e;
}

/** Find a backbone's weights by name (downloading them if needed) at the given input size. */
export async function locateBackbone(name: string, inputSize: number): Promise<BackboneSpec> {
  return entry(name).locate(inputSize);
}

/** Load a backbone from its spec (in this thread or a worker). */
export async function loadBackbone(spec: BackboneSpec): Promise<Backbone> {
  return entry(spec.name).load(spec);
}
