import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';

/** One mini-batch of a pseudo-replay epoch: indices of real new-class codes and labels of old-class pseudo-exemplars. */
export interface ReplayBatch {
  realIndices: Int32Array;
  pseudoLabels: Int32Array;
}

/**
 * Mini-batches of one epoch, built by Equation 4 of the paper: every batch holds N_new real codes of the
 * task's classes and N_old pseudo-exemplars with N_old / N_new = |C_old| / |C_new| (rounded per batch), old
 * labels drawn uniformly over the old classes, so that every class seen so far is equally likely in a batch.
 */
export function replayEpoch(numReal: number, oldClasses: readonly number[], numNewClasses: number, batchSize: number, rng: MT19937): ReplayBatch[] {
  if (numNewClasses < 1) throw new GbmError('a task needs at least one new class.', 'check the scenario\'s task sizes.');
  const ratio = oldClasses.length / numNewClasses;
  const newPerBatch = Math.max(1, Math.round(batchSize / (1 + ratio)));
  const order = Int32Array.from({ length: numReal }, (_, i) => i);
  rng.shuffle(order);
  const batches: ReplayBatch[] = [];
  for (let s = 0; s < numReal; s += newPerBatch) {
    const realIndices = order.slice(s, Math.min(numReal, s + newPerBatch));
    const nOld = oldClasses.length ? Math.round(realIndices.length * ratio) : 0;
    const pseudoLabels = new Int32Array(nOld);
    for (let i = 0; i < nOld; i++) pseudoLabels[i] = oldClasses[rng.interval(oldClasses.length - 1)];
    batches.push({ realIndices, pseudoLabels });
  }
  return batches;
}
