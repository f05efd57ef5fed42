import type { SplitFeatures } from '../features/cache.js';
import { selectClasses } from '../features/select.js';
import { buildScenario, type Scenario, type ScenarioConfig } from './scenario.js';

/**
 * The scenario over the classes a split holds (a class subset keeps its own ids): the seeded order of positions,
 * and `order[position]`, the class id at each position. The runner and the notebooks both start from it.
 */
export function scenarioOver(labels: Int32Array, config: ScenarioConfig): { scenario: Scenario; order: number[] } {
  const classIds = [...new Set(labels)].sort((a, b) => a - b);
  const scenario = buildScenario(classIds.length, config);
  return { scenario, order: scenario.order.map((i) => classIds[i]) };
}

/** A scenario's base task: its class ids, and its train and test rows (labels = the classes' index in baseIds). */
export interface BaseTask {
  scenario: Scenario;
  /** Class id at each scenario position (all classes, not just the base ones). */
  order: number[];
  baseIds: number[];
  train: { x: Float32Array; y: Int32Array; n: number };
  test: { x: Float32Array; y: Int32Array; n: number };
}

/** The base task of a feature set's scenario, as the runner sees it: what binarizers and the first BMMs are fitted on. */
export function baseTask(feats: { train: SplitFeatures; test: SplitFeatures }, config: ScenarioConfig): BaseTask {
  const { scenario, order } = scenarioOver(feats.train.labels, config);
  const baseIds = scenario.steps[0].map((p) => order[p]);
  return { scenario, order, baseIds, train: selectClasses(feats.train, baseIds), test: selectClasses(feats.test, baseIds) };
}
