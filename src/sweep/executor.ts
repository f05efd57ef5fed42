import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import type { SweepJob } from './grid.js';

/** A job handed to an executor: the run's config and the folder its results.json must end up in. */
export interface ExecutorTask {
  job: SweepJob;
  dir: string;
}

/**
 * Runs sweep tasks; the sweep only needs this, so a distributed executor (a queue, a cluster) can slot in.
 * onDone is called once per task, with an error line when the run failed.
 */
export interface SweepExecutor {
  /** True when runs execute on other machines, which extract their own features (nothing to prepare on this one). */
  readonly remote?: boolean;
  run(tasks: ExecutorTask[], onDone: (t: ExecutorTask, error: string | null) => void): Promise<void>;
}

/** One `node` child process per run, `workers` at a time (default: every core), each with its own backend. */
export class ProcessPoolExecutor implements SweepExecutor {
  private readonly children = new Set<ChildProcess>();

  constructor(readonly workers = os.availableParallelism()) {}

  /**
   * Run the tasks; on SIGINT/SIGTERM the running children are killed, nothing new starts, and the promise rejects
   * (finished runs stay finished, so the same sweep resumes from there).
   */
  async run(tasks: ExecutorTask[], onDone: (t: ExecutorTask, error: string | null) => void): Promise<void> {
    const queue = [...tasks];
    const worker = path.join(__dirname, 'worker.ts');
    const tsx = require.resolve('tsx/cjs');
    let interrupted: string | null = null;
    const stop = (signal: NodeJS.Signals) => {
      interrupted = signal;
      queue.length = 0;
      for (const c of this.children) c.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const next = async (): Promise<void> => {
      for (let task = queue.shift(); task && !interrupted; task = queue.shift()) {
        const t = task;
        const jobFile = path.join(t.dir, 'job.json');
        writeJsonAtomic(jobFile, { config: t.job.config, dir: t.dir });
        const error = await new Promise<string | null>((resolve) => {
          const child = spawn(process.execPath, ['-r', tsx, worker, jobFile], { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
          this.children.add(child);
          let err = '';
          child.stderr!.on('data', (b: Buffer) => {
            err = (err + b.toString()).slice(-4000);
          });
          child.on('close', (code, signal) => {
            this.children.delete(child);
            const line = err.trim().split('\n').filter(Boolean).pop() ?? '';
            resolve(code === 0 ? null : `exit ${code ?? signal}: ${line}`);
          });
        });
        if (!interrupted) onDone(t, error);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.workers, tasks.length)) }, next));
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    if (interrupted) throw new GbmError(`sweep interrupted (${interrupted}); finished runs are kept.`, 'rerun the same command to resume where it stopped.');
  }
}
