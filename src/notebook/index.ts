/**
 * Everything a notebook calls, in one import (`import * as gbm from './src/notebook'` or named imports): the kit's
 * library seen from the narrative, grouped as the pipeline runs (data -> backbone -> binarizer -> memory ->
 * classifier -> runner -> sweeps -> analysis -> tables -> figures). Notebooks hold no logic of their own; what they
 * need and this file lacks belongs in the library first, then here.
 */

// Display, quick mode, parameters
export { type NotebookParams, notebookParams } from './params.js';
export { quickMode, showInline, showTable } from './display.js';
export { BASE_TASK_FULL, BASE_TASK_QUICK, type BaseTaskParams, openBaseTask } from './setup.js';

// Backend
export { describeBackend, initBackend } from '../backend/index.js';
export { tf } from '../backend/tf.js';

// Data and features
export { classCounts } from '../data/dataset.js';
export { openDataset } from '../data/registry.js';
export { extractFeatures, runExperiment, runSweep, trainBackbone } from './calls.js';
export { selectClasses } from '../features/select.js';
export { loadImageSet } from '../train/data.js';

// Backbones and training
export { imagesToBatch } from '../models/backbone.js';
export { loadNet, saveNet } from '../models/checkpoint.js';
export { loadBackbone, locateBackbone } from '../models/registry.js';
export { steFinetune } from '../train/ste-phase.js';

// Binarizers
export { BINARIZER_DEFAULTS, fitBinarizer } from '../binarize/index.js';
export { fitHeaviside } from '../binarize/heaviside.js';
export { fitThermometer } from '../binarize/thermometer.js';

// Memory
export { EM_DEFAULTS, fitBernoulliMixtures } from '../memory/em.js';
export { BinaryMemory } from '../memory/memory.js';

// Scenario, classifier, runner, sweeps
export { baseTask } from '../cil/base-task.js';
export { linearProbe } from '../classifier/probe.js';
export { RUN_DEFAULTS } from '../run/config.js';
export { accuracyFigure } from '../run/results.js';
export type { RunResult } from '../run/runner.js';
export { type SeedGroup, seedAccuracyFigure, seedStepsTable, summarizeSeeds } from '../run/seeds.js';
export { checkGrids, overrideGrid } from '../sweep/grid.js';
export { studySweeps } from '../sweep/studies.js';
export type { SweepRow } from '../sweep/sweep.js';

// Analysis
export { heldOutLogLikelihoods, pairwiseMutualInformation, shuffledNullTest } from '../analysis/bit-correlation.js';
export { clusterOrder, permuteSquare } from '../analysis/cluster-order.js';
export { codeStats, nearestHamming } from '../analysis/codes.js';
export { umap2d } from '../analysis/embed2d.js';
export { codesOfClass, streamLikelihoodTrace } from '../analysis/online.js';
export { steGradientStudy } from '../analysis/ste-gradient.js';
export { MT19937 } from '../util/mt19937.js';

// Tables
export { comparisonTable, markdownTable } from '../tables/comparison.js';
export { classFeatureStats, classStatsFrame } from '../tables/feature-stats.js';
export { equalMemoryGaps, rankWithTies, studyTable } from '../tables/study.js';
export { formatMeanStd, meanStd, pairedGap } from '../tables/uncertainty.js';

// Figures
export {
  barChart,
  featureHistogramFigure,
  heatmapChart,
  histogram,
  imageGridFigure,
  lineChart,
  overlayHistogramFigure,
  scatterChart,
  scatterPanelsFigure,
  withReferenceLine,
} from '../figures/charts.js';
export { baseLayout } from '../figures/figure.js';
export { comparisonFigure, frontierCrossings, type MemoryPoint, memoryAccuracyFigure, seriesBy, sweepCurveFigure } from '../figures/studies.js';
export { binarizerKey, forPrint, labelOf, styleOf, withSetting } from '../figures/style.js';
