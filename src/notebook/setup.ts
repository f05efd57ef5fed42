import { describeBackend, initBackend } from '../backend/index.js';
import { type BaseTask, baseTask } from '../cil/base-task.js';
import { openDataset } from '../data/registry.js';
import type { ExtractResult } from '../features/extract.js';
import { extractFeatures } from './calls.js';

/** What the notebooks that study the base task share: the dataset, its subset in quick mode, and the protocol. */
export interface BaseTaskParams {
  dataset: string;
  backbone?: string;
  /** Only the first N classes (quick mode), with at most so many train / test images each. */
  classes?: number;
  trainPerClass?: number;
  testPerClass?: number;
  baseClasses: number;
  tasks: number;
  orderSeed: number;
}

/** The protocol's base task on TinyImageNet (B100, seed-1993 order), and the quick (CI) subset of 20 classes. */
export const BASE_TASK_FULL: BaseTaskParams = { dataset: 'tinyimagenet', baseClasses: 100, tasks: 5, orderSeed: 1993 };
export const BASE_TASK_QUICK: Partial<BaseTaskParams> = { classes: 20, trainPerClass: 100, testPerClass: 50, baseClasses: 10, tasks: 2 };

/**
 * A notebook's first cell: the backend, the cached features of the dataset (extracted once), and the base task as the
 * runner sees it (`baseTask`), with one line saying what was loaded, and `title(classId)`, a class's readable name.
 */
export async function openBaseTask(
  p: BaseTaskParams,
  backendName?: string,
): Promise<BaseTask & { feats: ExtractResult; F: number; title: (classId: number) => string }> {
  const backend = await initBackend(backendName);
  const subset =
    p.classes === undefined
      ? undefined
      : { classes: Array.from({ length: p.classes }, (_, i) => i), trainPerClass: p.trainPerClass, testPerClass: p.testPerClass };
  const feats = await extractFeatures({ dataset: p.dataset, backbone: p.backbone, subset });
  const task = baseTask(feats, { baseClasses: p.baseClasses, tasks: p.tasks, orderSeed: p.orderSeed });
  console.log(
    `${describeBackend(backend)}; base task: ${task.baseIds.length} of ${task.order.length} classes, ${task.train.n} train / ${task.test.n} test images, ${feats.train.dim}-d features of ${feats.meta.key.backbone.name} at ${feats.meta.key.backbone.inputSize}x${feats.meta.key.backbone.inputSize}`,
  );
  // One readable name per class everywhere (TinyImageNet's words.txt, first synonym), never the WordNet id.
  const ds = await openDataset(p.dataset);
  const titles = ds.classTitles;
  ds.close();
  const title = (classId: number) => (titles[classId] ?? feats.meta.classNames[classId] ?? String(classId)).split(',')[0].trim();
  return { ...task, feats, F: feats.train.dim, title };
}
