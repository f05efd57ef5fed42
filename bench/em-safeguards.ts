/** Benchmark of EM's safeguards (not of speed): fitted log-likelihood and re-seeds per strategy on planted mixtures. */
import { fitBernoulliMixtures, type EmReseed } from '../src/memory/em.js';
import { MT19937 } from '../src/util/mt19937.js';
import type { BenchRow } from './run.js';

/** n codes of D bits from a planted mixture of `kTrue` random prototypes (bits near 0.1 or 0.9), equal weights. */
function planted(kTrue: number, D: number, n: number, seed: number): Uint8Array {
  const rng = new MT19937(seed);
  const protos = Array.from({ length: kTrue }, () => Array.from({ length: D }, () => (rng.random() < 0.5 ? 0.1 : 0.9)));
  const codes = new Uint8Array(n * D);
  for (let i = 0; i < n; i++) {
    const k = rng.interval(kTrue - 1);
    for (let d = 0; d < D; d++) codes[i * D + d] = rng.random() < protos[k][d] ? 1 : 0;
  }
  return codes;
}

/** `npm run bench -- em-safeguards`: for planted mixtures fitted with more components than they have, each re-seeding rule's final log-likelihood. */
export async function benchEmSafeguards(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const settings: Array<[number, number, number]> = quick
    ? [[4, 16, 200]]
    : [
        [4, 8, 200],
        [4, 16, 200],
        [8, 32, 500],
        [2, 32, 500],
      ];
  for (const [kTrue, K, n] of settings) {
    const classes = Array.from({ length: 10 }, (_, c) => planted(kTrue, 64, n, 100 + c));
    for (const reseed of ['none', 'sample', 'worst'] as EmReseed[]) {
      const r = await fitBernoulliMixtures({ codes: classes, dim: 64 }, { K, reseed }, 7);
      const ll = r.finalLogLik.reduce((a, b) => a + b, 0) / r.finalLogLik.length;
      rows.push({
        what: `planted K=${kTrue}, fitted K=${K}, ${n} codes x 10 classes, reseed ${reseed}: mean log-likelihood per code (${r.reseeds.length} re-seeds, ${r.iterations} iterations)`,
        value: ll,
        unit: 'nats',
      });
    }
  }
  return rows;
}
