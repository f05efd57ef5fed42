import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { saveNet } from './checkpoint.js';
import type { NetConfig } from './net.js';
import { ResNet, RESNET_LAYOUTS } from './resnet.js';
import { readTorchCheckpoint, stateDictOf, type TorchTensor } from './torch-checkpoint.js';
import { defaultNetDir } from './trained.js';

/** What `gbm import-backbone` takes. */
export interface ImportBackboneOptions {
  file: string;
  arch: string;
  /** Channel multiplier; inferred from the stem when absent (and checked when given). */
  width?: number;
  /** Input size the network will be run at (default 32). */
  inputSize?: number;
  /** Normalize(mean, std) the network was trained with, per channel, on [0, 1] images (default: none, ToTensor only). */
  mean?: number[];
  std?: number[];
  /** Output folder (default models/<arch>-imported). */
  out?: string;
}

const BN: Record<string, string> = { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' };

/** The checkpoint key (after the prefix) of a kit ResNet parameter, given the stem's naming. */
function torchKey(kitName: string, stem: { conv: string; bn: string }): string {
  const parts = kitName.split('/');
  const last = parts[parts.length - 1];
  if (kitName === 'stem/conv/kernel') return stem.conv;
  if (parts[0] === 'stem') return `${stem.bn}${BN[last]}`;
  if (parts[0] === 'head') return last === 'kernel' ? 'fc.weight' : 'fc.bias';
  const s = /^stage(\d+)$/.exec(parts[0])![1];
  const b = Number(/^block(\d+)$/.exec(parts[1])![1]) - 1;
  const block = `layer${s}.${b}.`;
  if (parts[2] === 'shortcut') return parts[3] === 'conv' ? `${block}downsample.0.weight` : `${block}downsample.1.${BN[last]}`;
  return parts[3] === 'kernel' ? `${block}${parts[2]}.weight` : `${block}${parts[2]}.${BN[last]}`;
}

/** A PyTorch tensor in the kit's layout: conv [out, in, kh, kw] -> [kh, kw, in, out], linear [out, in] -> [in, out]. */
function toKitLayout(t: TorchTensor): { shape: number[]; data: Float32Array } {
  const d = t.data!;
  if (t.shape.length === 4) {
    const [o, i, h, w] = t.shape;
    const out = new Float32Array(d.length);
    for (let a = 0; a < o; a++)
      for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = d[((a * i + b) * h + y) * w + x];
    return { shape: [h, w, i, o], data: out };
  }
  if (t.shape.length === 2) {
    const [o, i] = t.shape;
    const out = new Float32Array(d.length);
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[b * o + a] = d[a * i + b];
    return { shape: [i, o], data: out };
  }
  return { shape: t.shape, data: d };
}

/**
 * Import a ResNet trained in PyTorch (torchvision-style names: conv1/bn1 or FeCAM's conv1.0/conv1.1 stem,
 * layerS.B.{conv1,bn1,conv2,bn2,downsample.0,downsample.1}, fc; any of the prefixes PyCIL, FeCAM and
 * DataParallel write, such as convnet., backbone., module.) onto the kit's ResNet with PyTorch's padding, batch-norm
 * running statistics included, and save it as a kit backbone folder for `gbm run --backbone DIR`. Every key and
 * shape is checked; the first mismatch is refused with one line.
 */
export async function importTorchBackbone(o: ImportBackboneOptions): Promise<{ dir: string; config: NetConfig; tensors: number; prefix: string }> {
  const layout = RESNET_LAYOUTS[o.arch];
  if (!layout) throw new GbmError(`--arch ${o.arch} cannot be imported.`, `use --arch ${Object.keys(RESNET_LAYOUTS).join(' | ')} (ResNets of basic blocks).`);
  if (!fs.existsSync(o.file)) throw new GbmError(`checkpoint ${o.file} does not exist.`, 'pass the path of a file written by torch.save.');
  const sd = stateDictOf(readTorchCheckpoint(o.file), o.file);
  const keys = [...sd.keys()];
  const anchor = keys.find((k) => k.endsWith('layer1.0.conv1.weight'));
  if (!anchor) {
    if (keys.some((k) => /stage_1\.0\.conv_a\.weight$/.test(k))) {
      throw new GbmError(
        `${o.file} is a PyCIL-style CIFAR ResNet (stage_1.0.conv_a...) with parameter-free (option A) shortcuts, which the kit's ResNets do not have.`,
        'import a ResNet with 1x1-convolution shortcuts (torchvision names, e.g. PyCIL/FeCAM resnet18), or train one with gbm train-backbone.',
      );
    }
    throw new GbmError(
      `${o.file} holds no ResNet of basic blocks: no key ends in layer1.0.conv1.weight (first keys: ${keys.slice(0, 3).join(', ')}).`,
      'pass a torchvision-style ResNet state_dict (conv1, bn1, layer1.0.conv1, ...).',
    );
  }
  const prefix = anchor.slice(0, -'layer1.0.conv1.weight'.length);
  const get = (k: string) => sd.get(prefix + k);
  const stem = get('conv1.weight') ? { conv: 'conv1.weight', bn: 'bn1.' } : { conv: 'conv1.0.weight', bn: 'conv1.1.' };
  const stemConv = get(stem.conv);
  if (!stemConv)
    throw new GbmError(`${o.file}: no stem convolution (${prefix}conv1.weight or ${prefix}conv1.0.weight).`, 'pass a torchvision-style ResNet state_dict.');
  if (stemConv.shape.length !== 4 || stemConv.shape[2] !== 3)
    throw new GbmError(
      `${o.file}: the stem convolution ${prefix}${stem.conv} has shape [${stemConv.shape}], not a 3x3 stem ([out, 3, 3, 3]); a 7x7 ImageNet stem is not the CIFAR ResNet the kit runs.`,
      'import a ResNet with the CIFAR stem (3x3, stride 1, no max-pool).',
    );
  const width = stemConv.shape[0] / layout.stem;
  if (o.width !== undefined && Math.abs(o.width - width) > 1e-9)
    throw new GbmError(
      `--width ${o.width} does not match the checkpoint, whose stem has ${stemConv.shape[0]} channels (width ${width} for ${o.arch}).`,
      `drop --width or pass --width ${width}.`,
    );
  const fc = get('fc.weight');
  const featureDim = Math.max(4, Math.round(layout.channels[layout.channels.length - 1] * width));
  const head = fc && fc.shape.length === 2 && fc.shape[1] === featureDim ? fc : null;
  // Without a head in the checkpoint (FeCAM keeps fc outside convnet.) F gets a 2-class placeholder head: a kit
  // network needs one for training, and an embedding never reads it.
  const config: NetConfig = {
    arch: o.arch,
    inputSize: o.inputSize ?? 32,
    numClasses: head ? head.shape[0] : 2,
    width,
    padding: 'symmetric',
    ...(o.mean || o.std ? { inputNorm: { mean: o.mean ?? [0, 0, 0], std: o.std ?? [1, 1, 1] } } : {}),
  };
  const net = new ResNet(config, 0);
  try {
    const used = new Set<string>();
    for (const p of net.params.params) {
      if (p.name.startsWith('head/') && !head) continue; // no head in the checkpoint: F's head is only for training
      const k = torchKey(p.name, stem);
      const t = get(k);
      if (!t) {
        const shortcut = /downsample/.test(k) && get(k.replace(/downsample\..*$/, 'conv1.weight'));
        throw new GbmError(
          `${o.file}: ${prefix}${k} is missing, which ${o.arch} needs for ${p.name}${shortcut ? " (a parameter-free shortcut? the kit's ResNets use 1x1-convolution shortcuts)" : ''}.`,
          `check --arch (${Object.keys(RESNET_LAYOUTS).join(', ')}) against the checkpoint's layers.`,
        );
      }
      if (!t.data) throw new GbmError(`${o.file}: ${prefix}${k} is an integer tensor (${t.dtype}), not weights.`, 'pass a checkpoint of a float model.');
      const kit = toKitLayout(t);
      if (kit.shape.join(',') !== p.variable.shape.join(',')) {
        throw new GbmError(
          `${o.file}: ${prefix}${k} has shape [${t.shape}], but ${o.arch} at width ${width} needs [${p.variable.shape}] (in PyTorch's layout [${t.shape.length === 4 ? [p.variable.shape[3], p.variable.shape[2], p.variable.shape[0], p.variable.shape[1]] : t.shape.length === 2 ? [p.variable.shape[1], p.variable.shape[0]] : p.variable.shape}]) for ${p.name}.`,
          'check --arch and --width against the checkpoint.',
        );
      }
      tf.tidy(() => p.variable.assign(tf.tensor(kit.data, kit.shape)));
      used.add(k);
    }
    // Every weight under the prefix must have found its place (batch-norm step counters and the head aside).
    const left = keys.filter(
      (k) => k.startsWith(prefix) && !used.has(k.slice(prefix.length)) && !k.endsWith('num_batches_tracked') && !k.slice(prefix.length).startsWith('fc.'),
    );
    if (left.length)
      throw new GbmError(
        `${o.file}: ${left[0]} has no place in ${o.arch} (${left.length} such keys): the checkpoint is another architecture.`,
        `check --arch (${Object.keys(RESNET_LAYOUTS).join(', ')}).`,
      );
    const dir = path.resolve(o.out ?? defaultNetDir(o.arch, 'imported'));
    await saveNet(net, dir, undefined, {
      imported: {
        format: 'gbm-import/1',
        file: path.resolve(o.file),
        sha256: sha256(fs.readFileSync(o.file)),
        prefix,
        tensors: used.size,
        date: new Date().toISOString(),
      },
    });
    return { dir, config, tensors: used.size, prefix };
  } finally {
    net.dispose();
  }
}
