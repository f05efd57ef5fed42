import { GbmError } from '../util/errors.js';
import { Bnn } from './bnn.js';
import type { NetConfig, TrainableNet } from './net.js';
import { RESNET_LAYOUTS, ResNet } from './resnet.js';

/** Every architecture `gbm train-backbone --arch` can train, with what it is for. */
export const NETS: Record<string, { description: string; build(config: NetConfig, seed: number): TrainableNet }> = {
  resnet20: {
    description: 'ResNet-20 (CIFAR, 3 x 3 basic blocks, 16-32-64 channels x width, 0.27 M params at width 1): trains on CPU',
    build: (c, s) => new ResNet(c, s),
  },
  resnet32: { description: 'ResNet-32 (CIFAR, 3 x 5 basic blocks, 16-32-64 channels x width, 0.46 M params)', build: (c, s) => new ResNet(c, s) },
  resnet18: {
    description: "ResNet-18 with the CIFAR stem (3x3 stride 1, no max-pool), 64-512 channels x width, 11 M params: the paper's F (GPU)",
    build: (c, s) => new ResNet(c, s),
  },
  bnn: {
    description: 'binary neural network: real first conv, +-1 weights and activations after it, scale/shift instead of batch norm, binary embedding of --bits',
    build: (c, s) => new Bnn(c, s),
  },
};

/** Build a network by architecture name, initialised from `seed`. */
export function buildNet(config: NetConfig, seed: number): TrainableNet {
  const e = NETS[config.arch];
  if (!e) throw new GbmError(`unknown architecture "${config.arch}".`, `use one of: ${Object.keys(NETS).join(', ')}.`);
  if (!Number.isInteger(config.numClasses) || config.numClasses < 2)
    throw new GbmError(`a network needs at least 2 classes, got ${config.numClasses}.`, 'train on a scenario with 2 or more base classes.');
  return e.build(config, seed);
}

export { RESNET_LAYOUTS };
