import { GbmError } from '../util/errors.js';
import type * as Queue from '../sweep/queue.js';
import type { Command } from './args.js';

/** `gbm worker`. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'pull sweep runs from a Redis queue (gbm sweep --queue) and run them on this machine',
  description: [
    'Pulls runs that `gbm sweep --queue redis://HOST:PORT` put on the queue, runs each in a child process with',
    "this machine's data and feature cache (extracted here on first use) and sends results.json's content back",
    'with the job: workers need the kit at the same commit and the data, not a shared folder. A worker that dies',
    'mid-run is noticed after --lock-seconds and its run is retried by another; a run refused for its inputs',
    'fails once, with its error, and is not retried. Ctrl-C (or SIGTERM) stops after the runs in progress.',
    'Example: gbm worker --queue redis://10.0.0.5:6379 --concurrency 2',
  ].join('\n'),
  options: [
    { name: 'queue', type: 'string', help: 'redis://HOST:PORT of the Redis the sweep was queued on (required)' },
    { name: 'concurrency', type: 'int', help: 'runs at a time, each in its own process (default: 1)' },
    { name: 'lock-seconds', type: 'number', help: 'a run whose worker stops renewing its lock this long is retried elsewhere (default: 30)' },
  ],
  async run(o) {
    if (o['queue'] === undefined)
      throw new GbmError('gbm worker needs --queue.', 'pass the address the sweep was queued on, e.g. --queue redis://127.0.0.1:6379.');
    const { runQueueWorker } = require('../sweep/queue.js') as typeof Queue; // BullMQ loads only for this command
    const r = await runQueueWorker({
      url: String(o['queue']),
      concurrency: o['concurrency'] as number | undefined,
      lockSeconds: o['lock-seconds'] as number | undefined,
    });
    console.log(`worker stopped: ${r.completed} runs finished, ${r.failed} failed`);
  },
};
