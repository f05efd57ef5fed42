import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../util/project.js';
import { GbmError } from '../util/errors.js';
import type { Backbone, BackboneSpec } from './backbone.js';
import { loadNet, netFingerprint, readNetJson } from './checkpoint.js';
import type { TrainingRecord } from '../train/record.js';

/** Where `gbm train-backbone` puts a network by default, and where `--backbone <arch>` looks for it. */
export function defaultNetDir(arch: string, dataset: string): string {
  return path.join(PROJECT_ROOT, 'models', `${arch}-${dataset}`);
}

/** True when `name` is a path to a folder holding a trained network (rather than a registered backbone name). */
export function isNetPath(name: string): boolean {
  return name.includes('/') || name.includes(path.sep) || fs.existsSync(path.join(name, 'model.json'));
}

/** The folder a trained-network backbone name refers to: a path, or the default folder of an architecture. */
export function netDirFor(name: string, dataset: string): string {
  return isNetPath(name) ? path.resolve(name) : defaultNetDir(name, dataset);
}

/**
 * The name whose default folder `dir` is (models/<name>-<dataset>), or null: `--backbone resnet20-e8` and
 * `--backbone models/resnet20-e8-tinyimagenet` then name one backbone and share one feature cache.
 */
function nameOfDefaultDir(dir: string, dataset: string): string | null {
  const base = path.basename(dir);
  const suffix = `-${dataset}`;
  if (!base.endsWith(suffix) || base.length === suffix.length) return null;
  const name = base.slice(0, -suffix.length);
  return path.resolve(defaultNetDir(name, dataset)) === path.resolve(dir) ? name : null;
}

/**
 * Describe a trained network as a backbone: its folder, input size (its own unless asked otherwise, which must
 * agree) and fingerprint. A missing network says how to train it.
 */
export function trainedNetSpec(name: string, dataset: string, inputSize?: number): BackboneSpec {
  const dir = netDirFor(name, dataset);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    const arch = isNetPath(name) ? '<arch>' : name;
    throw new GbmError(
      `no trained network in ${dir} (model.json missing).`,
      `train it first: gbm train-backbone --arch ${arch} --dataset ${dataset}${isNetPath(name) ? ` --out ${dir}` : ''}`,
    );
  }
  const json = readNetJson(dir);
  const size = json.modelTopology.inputSize;
  if (inputSize !== undefined && inputSize !== size) {
    throw new GbmError(
      `the network in ${dir} was trained at input size ${size}, not ${inputSize}.`,
      `pass --input-size ${size} (or leave it out), or train one at ${inputSize}.`,
    );
  }
  return { name: isNetPath(name) ? (nameOfDefaultDir(dir, dataset) ?? 'trained') : name, path: dir, inputSize: size, fingerprint: netFingerprint(dir, json) };
}

/** A record's base-task accuracy as notes and logs show it: after its main epochs, and through the STE phase's bits when it ran. */
export function valNote(rec: TrainingRecord): string {
  const pct = (v: number | null | undefined) => `${(100 * (v ?? NaN)).toFixed(1)}%`;
  const main = rec.epochs[rec.epochs.length - 1]?.valAcc;
  return rec.ste?.records.length ? `${pct(main)}, ${pct(rec.final.valAcc)} through p = ${rec.ste.levels} bits after the STE phase` : pct(rec.final.valAcc);
}

/** A trained network as a frozen feature extractor: F's embedding (bits for a BNN), its head left out. */
export function loadTrainedNet(spec: BackboneSpec): Backbone {
  const { net, json } = loadNet(spec.path, { inputSize: spec.inputSize });
  const rec = json.training as TrainingRecord | undefined;
  const notes = [
    json.imported
      ? `${json.modelTopology.arch} imported from a PyTorch checkpoint (${path.basename(json.imported.file)}, sha256 ${json.imported.sha256.slice(0, 12)}): the classes it was trained on are unknown to the kit, so make sure it saw only the base classes`
      : `${json.modelTopology.arch} trained by the kit${rec ? ` on ${rec.data.dataset} base classes (${rec.data.classIds.length}, order seed ${rec.data.orderSeed}), base-task val accuracy ${valNote(rec)}` : ''}`,
  ];
  return {
    spec,
    featureDim: net.featureDim,
    notes,
    binaryCodes: net.binaryEmbedding,
    deployedBits: net.deployedBits(),
    embed: (batch) => net.embed(batch),
    dispose: () => net.dispose(),
  };
}
