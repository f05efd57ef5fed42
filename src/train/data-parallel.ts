import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NetConfig } from '../models/net.js';
import { GbmError } from '../util/errors.js';
import type { PhaseSpec } from './loss-path.js';
import type { ShardResult } from './shards.js';

/** What a training worker is started with. */
export interface ShardWorkerInit {
  backend: string;
  config: NetConfig;
  seed: number;
  /** A phase with its own path to the class scores (the STE phase), rebuilt on the replica. */
  phase?: PhaseSpec;
}
/** One shard to compute: the weights to compute it at (the network's parameters, then the phase's), its images (NHWC, float) and labels. */
export interface ShardJob {
  id: number;
  weights: Float32Array[];
  x: Float32Array;
  shape: [number, number, number, number];
  y: Int32Array;
}
export type ShardReply = { type: 'ready' } | { type: 'done'; id: number; result: ShardResult } | { type: 'error'; id: number; message: string };

/** Threads for data-parallel training by default: one per core (the main thread is one of them). */
export function defaultTrainWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Worker threads, each holding a replica of a network, that compute shards of a batch at the weights they are
 * sent. The main thread computes its own shards meanwhile, combines the gradients and steps the optimizer once.
 */
export class ShardWorkers {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: ShardResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  private constructor() {}

  /** Start `count` workers and wait until each has built its replica. */
  static async start(count: number, init: ShardWorkerInit): Promise<ShardWorkers> {
    const pool = new ShardWorkers();
    const tsx = require.resolve('tsx/cjs');
    const script = path.join(__dirname, 'train-worker.ts');
    try {
      await Promise.all(
        Array.from(
          { length: count },
          () =>
            new Promise<void>((resolve, reject) => {
              const w = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true, workerData: init });
              pool.workers.push(w);
              w.on('error', (e) => {
                reject(e);
                pool.failAll(e);
              });
              w.on('message', (m: ShardReply) => {
                if (m.type === 'ready') return resolve();
                if (m.type === 'error' && m.id === -1) {
                  const e = new GbmError(`a training worker could not start: ${m.message}`, 'train with --workers 1.');
                  reject(e);
                  pool.failAll(e);
                  return;
                }
                const p = pool.pending.get(m.id);
                if (!p) return;
                pool.pending.delete(m.id);
                if (m.type === 'done') p.resolve(m.result);
                else p.reject(new Error(`training worker: ${m.message}`));
              });
            }),
        ),
      );
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Compute one shard on worker `w` at the given weights (copied: the caller keeps its arrays). */
  run(w: number, job: Omit<ShardJob, 'id'>): Promise<ShardResult> {
    const id = this.nextId++;
    return new Promise<ShardResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[w].postMessage({ ...job, id } satisfies ShardJob);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
