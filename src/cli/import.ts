import { initBackend } from '../backend/index.js';
import { GbmError } from '../util/errors.js';
import { RESNET_LAYOUTS } from '../models/resnet.js';
import { importTorchBackbone } from '../models/torch-import.js';
import type { Command } from './args.js';

/** "a,b,c" -> three numbers, or an error naming the option. */
function triple(v: unknown, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const x = String(v).split(',').map(Number);
  if (x.length !== 3 || x.some((n) => !Number.isFinite(n)))
    throw new GbmError(
      `--${flag} "${String(v)}" is not three comma-separated numbers (R,G,B).`,
      `pass e.g. --${flag} ${flag === 'mean' ? '0.5071,0.4865,0.4409' : '0.2673,0.2564,0.2762'} (CIFAR-100's, as PyCIL normalises).`,
    );
  return x;
}

/** `gbm import-backbone FILE.pth`: a ResNet trained in PyTorch as a kit backbone folder. */
export const importCommand: Command = {
  name: 'import-backbone',
  summary: 'import a ResNet trained in PyTorch (torch.save checkpoint) as a backbone folder for --backbone DIR',
  description:
    'Reads a torch.save checkpoint (zip format: a state_dict, or a dict holding one, with the prefixes PyCIL, FeCAM and\n' +
    "DataParallel write: convnet., backbone., module.), maps it onto the kit's ResNet (torchvision names, CIFAR 3x3 stem,\n" +
    "1x1-conv shortcuts; PyTorch's symmetric padding; batch-norm running statistics), and writes model.json + weights.bin.\n" +
    'Only tensors and dicts are unpickled: anything else in the pickle is refused. Pass the Normalize(mean, std) the\n' +
    'network was trained with; the kit feeds it [0, 1] images normalised the same way.\n' +
    'Example: gbm import-backbone fecam_tinyimagenet.pkl --arch resnet18 --out models/resnet18-fecam && gbm run --backbone models/resnet18-fecam',
  positional: { name: 'file', help: 'the checkpoint (.pth / .pt / .pkl written by torch.save)' },
  options: [
    { name: 'arch', type: 'string', help: `architecture of the checkpoint: ${Object.keys(RESNET_LAYOUTS).join(' | ')}` },
    { name: 'width', type: 'number', help: "channel multiplier (default: read from the checkpoint's stem)" },
    { name: 'input-size', type: 'int', default: 32, help: 'input size the network runs at' },
    { name: 'mean', type: 'string', help: 'Normalize mean per channel on [0, 1] images, R,G,B (default: none, ToTensor only)' },
    { name: 'std', type: 'string', help: 'Normalize std per channel, R,G,B (default: none)' },
    { name: 'out', type: 'string', help: 'output folder (default: models/<arch>-imported)' },
  ],
  async run(o) {
    if (o['file'] === undefined) throw new GbmError('no checkpoint given.', 'pass it first: gbm import-backbone FILE.pth --arch resnet18.');
    if (o['arch'] === undefined) throw new GbmError('--arch is required.', `pass --arch ${Object.keys(RESNET_LAYOUTS).join(' | ')}.`);
    await initBackend();
    const r = await importTorchBackbone({
      file: String(o['file']),
      arch: String(o['arch']),
      width: o['width'] as number | undefined,
      inputSize: o['input-size'] as number,
      mean: triple(o['mean'], 'mean'),
      std: triple(o['std'], 'std'),
      out: o['out'] as string | undefined,
    });
    console.log(
      `imported ${r.tensors} tensors (prefix "${r.prefix}") as ${r.config.arch} at width ${r.config.width}, input ${r.config.inputSize}x${r.config.inputSize}, into ${r.dir}`,
    );
    console.log(`use it: gbm run --backbone ${r.dir}`);
  },
};
