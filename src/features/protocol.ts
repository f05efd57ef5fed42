import type { DatasetSpec, Split } from '../data/dataset.js';
import type { BackboneSpec } from '../models/backbone.js';

/** What a feature worker is started with. */
export interface WorkerInit {
  dataset: DatasetSpec;
  backbone: BackboneSpec;
  backend: string;
  batchSize: number;
}

/** One chunk of images to embed. */
export interface WorkerJob {
  id: number;
  split: Split;
  indices: Int32Array;
}

/** A worker's answers: ready after loading, then one done or error per job. */
export type WorkerReply =
  | { type: 'ready'; backend: string; featureDim: number }
  | { type: 'done'; id: number; features: Float32Array; bad: Array<{ position: number; message: string }> }
  | { type: 'error'; id: number; message: string; userError: boolean };
