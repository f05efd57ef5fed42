/** Worker thread of data-parallel training: one replica of the network on its own tensor backend, computing shards. */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend/index.js';
import { tf } from '../backend/tf.js';
import { buildNet } from '../models/nets.js';
import { buildLossPath } from './loss-path.js';
import { computeShard } from './shards.js';
import type { ShardJob, ShardReply, ShardWorkerInit } from './data-parallel.js';

async function main(): Promise<void> {
  const init = workerData as ShardWorkerInit;
  const port = parentPort!;
  const send = (m: ShardReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  try {
    await initBackend(init.backend);
    const net = buildNet(init.config, init.seed);
    const lossPath = init.phase ? buildLossPath(net, init.phase) : undefined;
    const synced = [...net.params.params, ...(lossPath?.extra.params ?? [])];
    send({ type: 'ready' });
    port.on('message', async (job: ShardJob) => {
      try {
        // The main thread's current weights (every parameter, batch-norm statistics and the phase's included), then the shard.
        synced.forEach((p, i) => {
          tf.tidy(() => p.variable.assign(tf.tensor(job.weights[i], p.variable.shape)));
        });
        const x = tf.tensor4d(job.x, job.shape);
        const r = await computeShard(net, x, job.y, lossPath);
        x.dispose();
        send(
          { type: 'done', id: job.id, result: r },
          [...r.grads, ...r.updates].map((a) => a.buffer as ArrayBuffer),
        );
      } catch (err) {
        send({ type: 'error', id: job.id, message: (err as Error).message });
      }
    });
  } catch (err) {
    send({ type: 'error', id: -1, message: (err as Error).message });
  }
}

void main();
