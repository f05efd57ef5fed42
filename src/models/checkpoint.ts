import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/tf.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import type { NetConfig, TrainableNet } from './net.js';
import { buildNet } from './nets.js';

/** Format tag of model.json files the kit writes. */
export const NET_FORMAT = 'gbm-net/1';

/**
 * model.json of a trained network, in TF.js's weights-manifest layout (`weightsManifest` + `weights.bin`, readable
 * with tf.io.decodeWeights) with the architecture as `modelTopology` and the training record beside it.
 */
export interface NetModelJson {
  format: typeof NET_FORMAT;
  modelTopology: NetConfig;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** What the weights were trained on and how (see TrainingRecord). */
  training?: unknown;
  /** Where the weights came from when they were imported (gbm import-backbone), instead of trained by the kit. */
  imported?: { format: 'gbm-import/1'; file: string; sha256: string; prefix: string; tensors: number; date: string };
}

/** Named values of a network (and extra tensors such as optimizer state) as one float32 blob + its manifest. */
export async function encodeTensors(named: { name: string; tensor: tf.Tensor }[]): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Buffer }> {
  const { data, specs } = await tf.io.encodeWeights(named.map((n) => ({ name: n.name, tensor: n.tensor })));
  return { specs, data: Buffer.from(data as ArrayBuffer) };
}

/** Read back what encodeTensors wrote; errors name `source`. */
export function decodeTensors(specs: tf.io.WeightsManifestEntry[], data: Buffer, source: string): Map<string, tf.Tensor> {
  const need = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (data.length !== need)
    throw new GbmError(
      `${source}: weights hold ${data.length} bytes, the manifest needs ${need}: truncated or from another model.`,
      'train it again, or restore the file.',
    );
  const ab = Uint8Array.from(data).buffer;
  return new Map(Object.entries(tf.io.decodeWeights(ab, specs)));
}

/** Save a network as model.json + weights.bin in `dir`, weights first, model.json last (a folder without it is unfinished). */
export async function saveNet(net: TrainableNet, dir: string, training?: unknown, extra: Record<string, unknown> = {}): Promise<void> {
  const { specs, data } = await encodeTensors(net.params.params.map((p) => ({ name: p.name, tensor: p.variable })));
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'weights.bin'), data);
  const json: NetModelJson = {
    format: NET_FORMAT,
    modelTopology: net.config,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    training,
    ...extra,
  };
  writeJsonAtomic(path.join(dir, 'model.json'), json);
}

/** Read a saved network's model.json, with clear errors for a missing or foreign file. */
export function readNetJson(dir: string): NetModelJson {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file))
    throw new GbmError(
      `${file} does not exist: ${dir} holds no finished network.`,
      'train one with `gbm train-backbone`, or point at the folder that holds its model.json.',
    );
  let json: NetModelJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as NetModelJson;
  } catch (err) {
    throw new GbmError(`cannot read ${file}: ${(err as Error).message}.`, 'restore the file or train the network again.');
  }
  if (json.format !== NET_FORMAT)
    throw new GbmError(
      `${file} is not a network saved by this kit (format "${String(json.format)}", expected ${NET_FORMAT}).`,
      'point at a folder written by `gbm train-backbone`.',
    );
  return json;
}

/**
 * Load a saved network. `expect` states what the caller needs (e.g. the class count of a resumed run): a checkpoint
 * of another architecture, width or class count is refused with both sides named.
 */
export function loadNet(dir: string, expect: Partial<NetConfig> = {}): { net: TrainableNet; json: NetModelJson } {
  const json = readNetJson(dir);
  const cfg = json.modelTopology;
  for (const [k, v] of Object.entries(expect)) {
    if (v !== undefined && (cfg as unknown as Record<string, unknown>)[k] !== v) {
      throw new GbmError(
        `${path.join(dir, 'model.json')} was trained with ${k} = ${String((cfg as unknown as Record<string, unknown>)[k])}, but ${String(v)} is asked for.`,
        `use the same ${k} it was trained with, or train a new network for ${k} = ${String(v)}.`,
      );
    }
  }
  const bin = weightsFile(dir, json);
  const data = fs.readFileSync(bin);
  const net = buildNet(cfg, 0);
  const values = decodeTensors(
    json.weightsManifest.flatMap((g) => g.weights),
    data,
    bin,
  );
  try {
    net.params.assign(values, path.join(dir, 'model.json'));
  } catch (err) {
    net.dispose();
    throw err;
  } finally {
    tf.dispose([...values.values()]);
  }
  return { net, json };
}

function weightsFile(dir: string, json: NetModelJson): string {
  const bin = path.join(dir, json.weightsManifest[0]?.paths[0] ?? 'weights.bin');
  if (!fs.existsSync(bin)) throw new GbmError(`${bin} is missing.`, 'restore it or train the network again.');
  return bin;
}

/** Identity of a saved network (its architecture and weight bytes), read from the files without building it. */
export function netFingerprint(dir: string, json: NetModelJson = readNetJson(dir)): string {
  return sha256(Buffer.concat([Buffer.from(JSON.stringify(json.modelTopology)), fs.readFileSync(weightsFile(dir, json))]));
}
