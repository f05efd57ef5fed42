import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { streamBatches } from '../src/cil/scenario.js';
import { resolveConfig } from '../src/run/config.js';
import { runExperiment, runName } from '../src/run/runner.js';
import { blobs } from './helpers.js';

const FEATURES = { dataset: 'tinyimagenet', backbone: 'mobilenet' };

describe('online class-incremental scenario (--scenario online)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('streams every row of a step exactly once, in batches of the given size, the same stream for the same step', () => {
    const b = streamBatches(23, 5, 1993, 1);
    assert.deepEqual(
      b.map((x) => x.length),
      [5, 5, 5, 5, 3],
    );
    assert.deepEqual(
      b.flatMap((x) => Array.from(x)).sort((p, q) => p - q),
      Array.from({ length: 23 }, (_, i) => i),
    );
    assert.deepEqual(streamBatches(23, 5, 1993, 1), b);
    assert.notDeepEqual(streamBatches(23, 5, 1993, 2), b, 'each step has its own order');
  });

  for (const name of ['ncm', 'fecam']) {
    it(`${name} learns the same class statistics from the stream as from whole tasks (single-pass sums, in any order)`, async () => {
      const feats = blobs(8, 12, { train: 30, test: 10 }, 0.8, 9);
      const run = (scenario: object) =>
        runExperiment({ features: FEATURES, scenario: { baseClasses: 4, tasks: 2, ...scenario }, method: { name } }, { features: feats, progress: false });
      const batch = await run({});
      const online = await run({ kind: 'online', stream: { batch: 7 } });
      assert.deepEqual(
        online.steps.map((s) => s.accuracy),
        batch.steps.map((s) => s.accuracy),
      );
      assert.deepEqual(
        online.steps.map((s) => s.memoryBits),
        batch.steps.map((s) => s.memoryBits),
      );
    });
  }

  it('GBM learns each new task from the stream (streaming EM + replay steps per batch), with batch GBM’s memory size', async () => {
    const feats = blobs(8, 12, { train: 60, test: 20 }, 0.3, 4);
    const cfg = (scenario: object) => ({
      features: FEATURES,
      scenario: { baseClasses: 4, tasks: 2, ...scenario },
      memory: { em: { K: 2 } },
      classifier: { epochs: 20, learningRate: 0.01 },
    });
    const batch = await runExperiment(cfg({}), { features: feats, progress: false });
    for (const em of ['float', 'integer'] as const) {
      const online = await runExperiment(cfg({ kind: 'online', stream: { batch: 10, steps: 5, em } }), { features: feats, progress: false });
      // The base task is learned as usual (F and the binarizer were fitted on it): the same step 0.
      assert.equal(online.steps[0].accuracy, batch.steps[0].accuracy);
      // The same mixtures (K prototypes per class) are stored, only learned from the stream.
      assert.deepEqual(
        online.steps.map((s) => s.memoryBits),
        batch.steps.map((s) => s.memoryBits),
      );
      // One pass over separable blobs: the new classes are learned (chance is 1/8 at the end), old ones kept.
      const last = online.steps[2];
      assert.ok(last.newAccuracy > 0.5, `${em}: new classes ${last.newAccuracy}`);
      assert.ok(last.oldAccuracy > 0.5, `${em}: old classes ${last.oldAccuracy}`);
      assert.ok((online.steps[1].extra?.streamStateBits ?? 0) > 0);
      assert.match(runName(online.config), em === 'integer' ? /-online10int-/ : /-online10-/);
    }
  });

  it('refuses methods that need whole tasks, and stream options without the online scenario', () => {
    assert.throws(
      () => resolveConfig({ scenario: { kind: 'online' } as never, method: { name: 'fetril' } }),
      /method fetril has no online version .* Fix: use --method gbm \| gbm-k1 \| finetune \| ncm \| fecam with --scenario online/,
    );
    assert.throws(() => resolveConfig({ scenario: { stream: { batch: 5 } } as never }), /apply to --scenario online only/);
    assert.throws(() => resolveConfig({ scenario: { kind: 'online', stream: { alpha: 0.3 } } as never }), /--stream-alpha 0\.3 must be in \(0\.5, 1\]/);
    assert.deepEqual(resolveConfig({ scenario: { kind: 'online' } as never }).scenario.stream, { batch: 10, steps: 1, em: 'float', alpha: 0.6 });
  });
});
