/**
 * A sweep run by two `gbm worker` processes on a Redis queue against the local executor (two processes), on this
 * machine: wall time of each, and the same numbers asserted. Workers are started (and loaded) before the clock runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessPoolExecutor } from '../src/sweep/executor.js';
import { startLocalRedis } from '../src/sweep/local-redis.js';
import { QueueExecutor } from '../src/sweep/queue.js';
import { runSweep, type SweepSpec } from '../src/sweep/sweep.js';
import type { BenchRow } from './run.js';

export async function benchQueue(quick: boolean): Promise<BenchRow[]> {
  const base = { classes: 10, 'train-per-class': 200, 'test-per-class': 50, 'base-classes': 4, tasks: 3, epochs: 2, 'allow-backbone-overlap': true };
  const spec: SweepSpec = { name: 'bench-queue', base, grid: quick ? { K: [1, 2] } : { K: [1, 2, 4, 8], seed: [1993, 1994] } };
  const results = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `gbm-bench-queue-${tag}-`));
  const redis = await startLocalRedis();
  const cli = path.join(__dirname, '..', 'bin', 'gbm');
  const workers = [0, 1].map(() => {
    const p = spawn(process.execPath, [cli, 'worker', '--queue', redis.url], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    p.stderr!.on('data', (b: Buffer) => {
      log += b.toString();
    });
    return { p, log: () => log };
  });
  try {
    while (!workers.every((w) => w.log().includes('pulling runs'))) await new Promise((r) => setTimeout(r, 100));
    // Local first, so the feature cache both use is warm for both.
    let t = Date.now();
    const local = await runSweep(spec, { results: results('local'), progress: false, executor: new ProcessPoolExecutor(2) });
    const localS = (Date.now() - t) / 1000;
    t = Date.now();
    const queued = await runSweep(spec, { results: results('queue'), progress: false, executor: new QueueExecutor(redis.url, { pollMs: 200 }) });
    const queueS = (Date.now() - t) / 1000;
    const strip = (rows: typeof local.runs) => rows.map(({ seconds: _s, ...r }) => r);
    assert.deepEqual(strip(queued.runs), strip(local.runs), 'the queue and the local executor disagree');
    const ran = workers.map((w) => (w.log().match(/ started /g) ?? []).length);
    return [
      { what: `local executor, 2 processes, ${local.jobs} runs (s)`, value: localS, unit: 's' },
      { what: `Redis queue, 2 workers (concurrency 1), same runs (s); runs per worker ${ran.join(' / ')}`, value: queueS, unit: 's' },
      { what: 'queue / local wall time', value: queueS / localS, unit: 'x' },
    ];
  } finally {
    for (const w of workers) process.kill(-w.p.pid!, 'SIGKILL');
    redis.stop();
  }
}
