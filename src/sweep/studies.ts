import { METHODS } from '../methods/registry.js';
import type { SweepSpec } from './sweep.js';

/**
 * The sweeps behind the studies (notebooks 04-07 and `npm run reproduce`), in one place, named by config path
 * (src/run/options.ts maps each to its `gbm run` flag and CSV column); anything not named keeps RUN_DEFAULTS.
 */
export const STUDIES: Record<string, SweepSpec & { description: string }> = {
  'ablation-kp': {
    name: 'ablation-kp',
    description: 'K x thermometer p x binarizer x 3 seeds, classifier at 2 epochs (notebooks 04 and 05)',
    // 2 epochs at lr 0.004 instead of 8 at 0.001: 4x less classifier time, which is what lets 72 runs fit in
    // minutes on 2 cores (with MobileNet features it cost 0.46 points at the default point: 27.53 vs 27.99 %).
    base: { 'classifier.epochs': 2, 'classifier.learningRate': 0.004 },
    grid: { 'memory.em.K': [1, 2, 4, 8, 16, 32], 'binarizer.levels': [1, 2, 4], 'binarizer.kind': ['thermometer', 'heaviside'], seed: [1993, 1994, 1995] },
  },
  'ablation-p8': {
    name: 'ablation-p8',
    description: "thermometer p = 8 (D' = 8 F) for every K, 3 seeds, same classifier budget (notebook 05)",
    base: { 'classifier.epochs': 2, 'classifier.learningRate': 0.004, 'binarizer.levels': 8 },
    grid: { 'memory.em.K': [1, 2, 4, 8, 16, 32], seed: [1993, 1994, 1995] },
  },
  'memory-accuracy': {
    name: 'memory-accuracy',
    description: 'GBM (K, mu precision) against binary and real latent replay (E) on one memory axis, 3 seeds (notebook 06)',
    base: {},
    grid: {
      'method.name': ['gbm', 'replay-binary', 'replay-real'],
      'memory.em.K': [1, 2, 4, 8, 16],
      'memory.muBits': [32, 8, 4],
      'method.options.exemplars': [1, 2, 5, 10, 20, 50],
      seed: [1993, 1994, 1995],
    },
  },
  baselines: {
    name: 'baselines',
    description: 'every method (FeTrIL with both heads) for T = 5, 10, 20, 3 seeds (notebook 07, the README comparison table)',
    base: {},
    // T outermost, then seeds: an interrupted sweep has whole T blocks, every method in each.
    grid: { 'scenario.tasks': [5, 10, 20], seed: [1993, 1994, 1995], 'method.name': Object.keys(METHODS), 'method.options.head': ['svm', 'fc'] },
  },
  'em-safeguards': {
    name: 'em-safeguards',
    description: 'the default GBM run with each re-seeding rule for collapsed EM components, at K = 8 and K = 32, 3 seeds (README, "EM")',
    base: {},
    grid: { 'memory.em.K': [8, 32], 'memory.em.reseed': ['none', 'sample', 'worst'], seed: [1993, 1994, 1995] },
  },
};
