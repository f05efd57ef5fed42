/** Worker thread of the feature extractor: owns one dataset reader, one backbone and one tensor backend. */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend/index.js';
import { reopenDataset } from '../data/registry.js';
import { loadBackbone } from '../models/registry.js';
import { GbmError } from '../util/errors.js';
import { embedImages } from './embed.js';
import type { WorkerInit, WorkerJob, WorkerReply } from './protocol.js';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const send = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  try {
    const backend = await initBackend(init.backend);
    const dataset = reopenDataset(init.dataset);
    const backbone = await loadBackbone(init.backbone);
    send({ type: 'ready', backend: backend.name, featureDim: backbone.featureDim });
    port.on('message', async (job: WorkerJob) => {
      try {
        const { features, bad } = await embedImages(dataset, backbone, job.split, job.indices, init.batchSize);
        send({ type: 'done', id: job.id, features, bad }, [features.buffer as ArrayBuffer]);
      } catch (err) {
        send({ type: 'error', id: job.id, message: (err as Error).message, userError: err instanceof GbmError });
      }
    });
  } catch (err) {
    send({ type: 'error', id: -1, message: (err as Error).message, userError: err instanceof GbmError });
  }
}

void main();
