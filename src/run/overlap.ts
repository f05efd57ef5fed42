import fs from 'node:fs';
import path from 'node:path';
import { readNetJson } from '../models/checkpoint.js';
import { netDirFor } from '../models/trained.js';
import type { TrainingRecord } from '../train/record.js';
import { GbmError } from '../util/errors.js';
import type { RunConfig } from '../cil/config.js';

/** What a trained backbone's record says it was trained on, or null for backbones without one (MobileNet, .npy features). */
export function backboneTrainingClasses(c: RunConfig): { dir: string; rec: TrainingRecord['data'] } | null {
  if (c.features.path || c.features.backbone === 'mobilenet') return null;
  const dir = netDirFor(c.features.backbone, c.features.dataset);
  if (!fs.existsSync(path.join(dir, 'model.json'))) return null; // locating the backbone reports a missing network with its fix
  const rec = (readNetJson(dir) as { training?: TrainingRecord }).training;
  return rec?.data?.classIds ? { dir, rec: rec.data } : null;
}

/**
 * The incremental classes (original class ids) of this scenario that the backbone was trained on: F has seen them,
 * so the run would not be class-incremental. Refused with one line naming how many and which option moved the
 * class order, unless config.scenario.allowBackboneOverlap; returns the overlapping ids (empty when clean).
 */
export function checkBackboneOverlap(c: RunConfig, order: readonly number[]): number[] {
  const trained = backboneTrainingClasses(c);
  if (!trained || trained.rec.dataset !== c.features.dataset) return [];
  const seen = new Set(trained.rec.classIds);
  const overlap = order.slice(c.scenario.baseClasses).filter((id) => seen.has(id));
  if (overlap.length === 0 || c.scenario.allowBackboneOverlap) return overlap;
  const moved = [
    c.scenario.baseClasses !== trained.rec.baseClasses ? `--base-classes ${c.scenario.baseClasses} (the backbone's: ${trained.rec.baseClasses})` : '',
    c.scenario.orderSeed !== trained.rec.orderSeed ? `--order-seed ${c.scenario.orderSeed} (the backbone's: ${trained.rec.orderSeed})` : '',
    c.features.subset?.classes ? '--classes (a class subset renumbers the order)' : '',
  ].filter(Boolean);
  throw new GbmError(
    `the backbone in ${trained.dir} was trained on ${overlap.length} of this scenario's incremental classes (class ids ${overlap.slice(0, 5).join(', ')}${overlap.length > 5 ? ', ...' : ''}), so it has already seen them; the class order moved with ${moved.length ? moved.join(' and ') : 'the scenario'}.`,
    `keep the backbone's --base-classes ${trained.rec.baseClasses} and --order-seed ${trained.rec.orderSeed}, train a backbone for this scenario (gbm train-backbone), or pass --allow-backbone-overlap to run anyway (the results then record the overlap).`,
  );
}
