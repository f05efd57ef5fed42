import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { findDataPath, locateOrDownload } from '../data/locate.js';
import { GbmError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import type { Backbone, BackboneSpec } from './backbone.js';

/** Official home of the ImageNet-pretrained MobileNet v1 0.25 (tfjs-models, TF.js layers format). */
export const MOBILENET_URL = 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/';
const DIR = 'mobilenet_v1_0.25_224';
const FEATURE_LAYER = 'conv_pw_13_relu';

/** The caveat every result made with this backbone carries. */
export const MOBILENET_CAVEAT =
  'MobileNet v1 0.25 was pretrained on ImageNet-1k, whose classes and images overlap TinyImageNet: its features are not class-incremental-clean on TinyImageNet.';

interface ModelJson {
  modelTopology: { model_config: { config: { layers: { config: { batch_input_shape?: (number | null)[] } }[] } } };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function readModelJson(dir: string): ModelJson {
  const file = path.join(dir, 'model.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  } catch (err) {
    throw new GbmError(`cannot read ${file}: ${(err as Error).message}.`, `download it again from ${MOBILENET_URL}model.json.`);
  }
}

/**
 * Below this input MobileNet's features die, measured (`npm run mobilenet-input`; README, "MobileNet's input size"):
 * at 32x32 its five stride-2 stages leave a 1x1 map, and 233 (Fashion-MNIST) / 220 (TinyImageNet) of its 256
 * pooled features were zero on every training image, against 11 / 0 at 48x48.
 */
export const MOBILENET_MIN_INPUT = 48;

/**
 * MobileNet's default input for datasets of smaller images (Fashion-MNIST, CIFAR), measured: on Fashion-MNIST NCM
 * gained 4.4 points from 64 to 96 and 0.2 (a tie) from 96 to 128.
 */
export const MOBILENET_SMALL_IMAGE_INPUT = 96;

/** MobileNet's input size for a dataset whose own default is `datasetInput`: that, unless its features would die. */
export function mobilenetDefaultInput(datasetInput: number): number {
  return datasetInput >= MOBILENET_MIN_INPUT ? datasetInput : MOBILENET_SMALL_IMAGE_INPUT;
}

/** A warning when MobileNet runs below MOBILENET_MIN_INPUT, naming the fix; null at or above it. */
export function mobilenetInputWarning(inputSize: number): string | null {
  if (inputSize >= MOBILENET_MIN_INPUT) return null;
  return `MobileNet at ${inputSize}x${inputSize} input: below ${MOBILENET_MIN_INPUT}x${MOBILENET_MIN_INPUT} most of its 256 features are zero on every image (measured at 32x32: README, "MobileNet's input size"), and every method loses a third or more of its accuracy. Fix: --input-size ${MOBILENET_SMALL_IMAGE_INPUT} (the default for small images), or a backbone trained at this size.`;
}

/** Locate (or download) the MobileNet weights and fingerprint them. */
export async function mobilenetSpec(inputSize: number): Promise<BackboneSpec> {
  if (!Number.isInteger(inputSize) || inputSize < 32) {
    throw new GbmError(
      `input size ${inputSize} is too small for MobileNet (5 stride-2 stages).`,
      `use --input-size ${MOBILENET_MIN_INPUT} or more (default: ${MOBILENET_SMALL_IMAGE_INPUT} for small images, 64 for TinyImageNet).`,
    );
  }
  let dir = findDataPath(path.join(DIR, 'model.json'));
  if (!dir) dir = await locateOrDownload({ relPath: path.join(DIR, 'model.json'), url: `${MOBILENET_URL}model.json`, what: 'MobileNet v1 0.25 weights' });
  const folder = path.dirname(dir);
  const json = readModelJson(folder);
  const parts = [fs.readFileSync(path.join(folder, 'model.json'))];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = await locateOrDownload({ relPath: path.join(DIR, p), url: MOBILENET_URL + p, what: `MobileNet weight shard ${p}` });
      parts.push(fs.readFileSync(file));
    }
  }
  return { name: 'mobilenet', path: folder, inputSize, fingerprint: sha256(Buffer.concat(parts)) };
}

/** ImageNet-pretrained MobileNet v1 0.25 cut at conv_pw_13_relu + global average pooling: 256-d features. */
export async function loadMobilenet(spec: BackboneSpec): Promise<Backbone> {
  const json = readModelJson(spec.path);
  const input = json.modelTopology.model_config.config.layers[0].config;
  input.batch_input_shape = [null, spec.inputSize, spec.inputSize, 3];
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(spec.path, p))));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const full = await tf.loadLayersModel({
    load: async () => ({ modelTopology: json.modelTopology as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData }),
  });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(full.getLayer(FEATURE_LAYER).output) as tf.SymbolicTensor;
  const model = tf.model({ inputs: full.inputs, outputs: pooled });
  const featureDim = pooled.shape[1] as number;
  return {
    spec,
    featureDim,
    notes: [MOBILENET_CAVEAT],
    embed: (batch) => model.predict(batch) as tf.Tensor2D,
    dispose: () => full.dispose(),
  };
}
