// BullMQ's sandboxed processor for `gbm worker`: one queued run in a child process; its result is results.json's content.
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import type { RunResult } from '../run/runner.js';
import { runExperiment } from '../run/runner.js';
import { asUserError, errorLine } from '../util/errors.js';
import type { QueuedRun } from './queue.js';

/** Run the job's config; a run refused for its inputs fails at once (no retry), anything else may be retried. */
export default async function processRun(job: SandboxedJob<QueuedRun, RunResult>): Promise<RunResult> {
  try {
    const r = await runExperiment(job.data.config, { progress: false });
    return JSON.parse(JSON.stringify(r)) as RunResult;
  } catch (err) {
    const known = asUserError(err);
    if (known) throw new UnrecoverableError(errorLine(known));
    throw err;
  }
}
