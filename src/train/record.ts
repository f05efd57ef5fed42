import type { Environment } from '../backend/environment.js';
import type { NetConfig } from '../models/net.js';
import type { EpochRecord, TrainConfig } from './trainer.js';

/** The JSON record of a trained backbone: enough to know what it saw and to train it again. */
export interface TrainingRecord {
  format: 'gbm-training/1';
  net: NetConfig;
  /** Seed of the initial weights. */
  initSeed: number;
  train: TrainConfig;
  /** STE phase (binarizer in the loop), if run. */
  ste?: { epochs: number; lr: number; levels: number; percentile: number; head?: 'fit' | 'random'; records: EpochRecord[] };
  /** The finished network this one started from (`--from`): its folder and weights' fingerprint; the main epochs are its. */
  from?: { path: string; fingerprint: string };
  data: {
    dataset: string;
    fingerprint: string;
    /** Original class ids of the base classes, in scenario order (position = head output). */
    classIds: number[];
    orderSeed: number;
    baseClasses: number;
    trainImages: number;
    valImages: number;
    /** sha256 of the decoded training images and labels. */
    trainChecksum: string;
  };
  epochs: EpochRecord[];
  final: { valAcc: number | null; valLoss: number | null; trainAcc: number };
  deployedBits: number;
  /** `seconds`: the training time of every epoch (STE phase included), summed over the processes of a resumed run. */
  environment: Environment & { seconds: number };
}
