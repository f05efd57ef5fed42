import fs from 'node:fs';
import path from 'node:path';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import net from 'node:net';
import type { RunResult } from '../run/runner.js';
import { writeRunResults } from '../run/results.js';
import { readJsonOrNull } from '../util/atomic.js';
import { GbmError } from '../util/errors.js';
import type { ExecutorTask, SweepExecutor } from './executor.js';

/** The one BullMQ queue every sweep's runs go on (a run's job id is its config hash, so sweeps share finished runs). */
export const QUEUE_NAME = 'gbm-runs';

/** What a queued run carries: its full config, and where it came from (for the workers' log). */
export interface QueuedRun {
  sweep: string;
  point: Record<string, string | number>;
  config: ExecutorTask['job']['config'];
}

/** Queue tuning, defaults in one place: attempts per run when a worker crashes, and how a dead worker is noticed. */
export const QUEUE_DEFAULTS = {
  /** Tries of a run that crashed (a killed worker, a bug); a run refused for its inputs is tried once. */
  attempts: 3,
  /** A run's lock lasts this long without renewal: a worker that died is noticed, and its run retried, after it. */
  lockSeconds: 30,
  /** Times a run may lose its worker (stalled) before it counts as failed. */
  maxStalled: 3,
  /** How often the coordinator looks at its runs' states. */
  pollMs: 1000,
};

/** Host, port and database of a `redis://HOST:PORT[/DB]` address; anything else is refused, naming the option. */
export function parseQueueUrl(url: string, option = '--queue'): { host: string; port: number; db: number } {
  const m = /^redis:\/\/([^/:]+)(?::(\d+))?(?:\/(\d+))?\/?$/.exec(url);
  if (!m) throw new GbmError(`${option} ${url} is not a Redis address.`, `write it as redis://HOST:PORT, e.g. ${option} redis://127.0.0.1:6379.`);
  return { host: m[1], port: m[2] ? Number(m[2]) : 6379, db: m[3] ? Number(m[3]) : 0 };
}

/** One PING over a plain socket, answered within 5 s, or the reason it was not. */
function ping(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(5000, () => done(new Error('no answer within 5 s')));
    socket.on('error', (e: NodeJS.ErrnoException) => done(new Error(e.code ?? e.message)));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (b) => {
      reply += b.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') ? undefined : new Error(`it answered ${JSON.stringify(reply.trim().slice(0, 80))}`));
    });
  });
}

/**
 * A BullMQ connection to the Redis at `url`, checked first with one short try: an unreachable Redis is one line
 * naming the address, not ioredis retrying forever.
 */
export async function connectQueue(url: string, option = '--queue'): Promise<ConnectionOptions> {
  const { host, port, db } = parseQueueUrl(url, option);
  try {
    await ping(host, port);
  } catch (err) {
    throw new GbmError(
      `cannot reach Redis at ${url} (${(err as Error).message.split('\n')[0]}).`,
      `start it (e.g. redis-server --port ${port}) or pass the address of a running one with ${option} redis://HOST:PORT.`,
    );
  }
  // BullMQ's workers block on Redis: no per-request retry limit, and reconnect after a blip.
  return { host, port, db, maxRetriesPerRequest: null };
}

/** Is this results.json a complete run (what the local sweep's resume check accepts)? */
function finished(dir: string): boolean {
  return readJsonOrNull<RunResult>(path.join(dir, 'results.json'))?.format === 'gbm-run/1';
}

/**
 * Runs a sweep's tasks on a BullMQ queue that any number of `gbm worker` processes, on any machines, pull from.
 * Each run is a job whose id is its config hash: resubmitting a sweep (or a restarted coordinator) finds the runs
 * already queued, running or finished instead of adding them again, and a run another sweep already finished is
 * collected, not rerun. Workers send results.json's content back with the job, and this side writes it, once.
 */
export class QueueExecutor implements SweepExecutor {
  /** Features are extracted by the workers, each in its own cache: nothing to prepare on this machine. */
  readonly remote = true;

  constructor(
    readonly url: string,
    readonly opts: { pollMs?: number; attempts?: number } = {},
  ) {}

  async run(tasks: ExecutorTask[], onDone: (t: ExecutorTask, error: string | null) => void): Promise<void> {
    const connection = await connectQueue(this.url);
    const queue = new Queue<QueuedRun, RunResult>(QUEUE_NAME, { connection });
    let interrupted: string | null = null;
    let wake: (() => void) | null = null;
    const stop = (signal: NodeJS.Signals) => {
      interrupted = signal;
      wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      queue.on('error', () => {}); // connection blips: BullMQ reconnects; a lasting outage shows as no progress
      const pending = new Map(tasks.map((t) => [t.job.id, t] as const));
      // Submit: a job with this id already on the queue is reused (a failed one is tried again, as a local rerun would).
      for (const t of tasks) {
        const old = await queue.getJob(t.job.id);
        if (old && (await old.getState()) === 'failed') await old.retry('failed');
        else if (!old) await this.add(queue, t);
      }
      while (pending.size && !interrupted) {
        for (const [id, t] of [...pending]) {
          // One round trip per run and poll; the job itself is read only once it has ended.
          const state = await queue.getJobState(id);
          if (state === 'unknown') {
            await this.add(queue, t); // removed from the queue by someone: put it back
            continue;
          }
          if (state !== 'completed' && state !== 'failed') continue;
          const job = (await queue.getJob(id))!;
          pending.delete(id);
          if (state === 'completed') {
            // One result per run, whoever delivered it and however often: a finished results.json is kept.
            if (!finished(t.dir)) await writeRunResults(t.dir, job.returnvalue, false);
            onDone(t, null);
          } else onDone(t, job.failedReason || 'failed on the queue (no reason given)');
        }
        if (pending.size && !interrupted)
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, this.opts.pollMs ?? QUEUE_DEFAULTS.pollMs);
          });
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      await queue.close();
    }
    if (interrupted)
      throw new GbmError(
        `sweep interrupted (${interrupted}); its runs stay on the queue and the workers go on with them.`,
        'rerun the same command to collect them.',
      );
  }

  private async add(queue: Queue<QueuedRun, RunResult>, t: ExecutorTask): Promise<void> {
    fs.mkdirSync(t.dir, { recursive: true });
    await queue.add(
      'run',
      { sweep: path.basename(path.dirname(path.dirname(t.dir))), point: t.job.point, config: t.job.config },
      {
        jobId: t.job.id,
        attempts: this.opts.attempts ?? QUEUE_DEFAULTS.attempts,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
  }
}

/** Options of `gbm worker`. */
export interface QueueWorkerOptions {
  url: string;
  /** Runs at a time, each in its own child process (default 1). */
  concurrency?: number;
  lockSeconds?: number;
  log?: (line: string) => void;
}

/**
 * Pull runs from the queue and execute each in a child process (BullMQ's sandboxed processor: a run blocks its
 * event loop for minutes, which an in-process worker would be taken as stalled for), returning results.json's
 * content with the job. Resolves when the worker is closed (SIGINT/SIGTERM: the runs in progress finish first).
 */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<{ completed: number; failed: number }> {
  const connection = await connectQueue(o.url);
  const log = o.log ?? ((l: string) => console.error(l));
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new GbmError(`--concurrency ${concurrency} must be a positive integer.`, 'pass e.g. --concurrency 2.');
  const lockMs = Math.round(1000 * (o.lockSeconds ?? QUEUE_DEFAULTS.lockSeconds));
  if (!(lockMs >= 1000)) throw new GbmError(`--lock-seconds ${o.lockSeconds} must be at least 1.`, `pass e.g. --lock-seconds ${QUEUE_DEFAULTS.lockSeconds}.`);
  const processor = path.join(__dirname, 'queue-sandbox.cjs');
  const worker = new Worker<QueuedRun, RunResult>(QUEUE_NAME, processor, {
    connection,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: QUEUE_DEFAULTS.maxStalled,
    useWorkerThreads: false,
  });
  let completed = 0;
  let failed = 0;
  const what = (job: Job<QueuedRun>) => `run ${job.id} (${job.data.sweep} ${JSON.stringify(job.data.point)})`;
  worker.on('active', (job) => log(`worker: ${what(job)} started (attempt ${job.attemptsMade + 1})`));
  worker.on('completed', (job) => {
    completed++;
    log(`worker: ${what(job)} finished`);
  });
  worker.on('failed', (job, err) => {
    failed++;
    if (job) log(`worker: ${what(job)} failed: ${err.message.split('\n')[0]}`);
  });
  // A lasting fault (Redis gone) repeats its error on every retry: each distinct message once a minute.
  const said = new Map<string, number>();
  worker.on('error', (err) => {
    const line = err.message.split('\n')[0];
    if (Date.now() - (said.get(line) ?? -Infinity) < 60_000) return;
    said.set(line, Date.now());
    log(`worker: ${line}`);
  });
  log(`worker: pulling runs from ${o.url} (queue ${QUEUE_NAME}), ${concurrency} at a time; Ctrl-C stops after the runs in progress`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: leave now; the runs in progress are retried elsewhere once their locks expire.
        log(`worker: ${signal} again, leaving now`);
        process.exit(130);
      }
      stopping = true;
      log('worker: stopping after the runs in progress (send the signal again to leave now)');
      void worker.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { completed, failed };
}
