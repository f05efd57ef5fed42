import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/index.js';
import { fewShotRows } from '../src/cil/scenario.js';
import { resolveConfig } from '../src/run/config.js';
import { runExperiment, runName } from '../src/run/runner.js';
import { configHash } from '../src/util/hash.js';
import { blobs } from './helpers.js';

const FEATURES = { dataset: 'tinyimagenet', backbone: 'mobilenet' };

describe('few-shot class-incremental scenario (--scenario few-shot --shots k)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('keeps k rows of each new class, chosen by the class-order seed alone, all rows of a class with fewer', () => {
    // Labels index into classIds; class 12 has 7 rows, class 30 only 2.
    const labels = Int32Array.from([0, 1, 0, 0, 1, 0, 0, 0, 0]);
    const ids = [12, 30];
    const rows = fewShotRows(labels, ids, 3, 1993);
    const per = (r: Int32Array, c: number) => Array.from(r).filter((i) => labels[i] === c);
    assert.equal(per(rows, 0).length, 3);
    assert.deepEqual(per(rows, 1), [1, 4]);
    assert.deepEqual(fewShotRows(labels, ids, 3, 1993), rows, 'the same images every time');
    // Another class order draws other images (with 7 rows and 3 shots, some order seed among a few differs).
    assert.ok(
      [1, 2, 3, 4, 5].some((s) => per(fewShotRows(labels, ids, 3, s), 0).join() !== per(rows, 0).join()),
      'the order seed chooses the shots',
    );
  });

  it('runs every incremental step on N x k images (the base task in full), the same shots for every run seed', async () => {
    const feats = blobs(8, 12, { train: 30, test: 10 }, 0.4, 5);
    const cfg = (seed: number) => ({
      features: FEATURES,
      scenario: { baseClasses: 4, tasks: 2, kind: 'few-shot' as const, shots: 3 },
      method: { name: 'ncm' },
      seed,
    });
    const r = await runExperiment(cfg(1993), { features: feats, progress: false });
    assert.deepEqual(
      r.steps.map((s) => s.trainImages),
      [4 * 30, 2 * 3, 2 * 3],
    );
    // NCM with three shots of well-separated blobs still classifies well above chance (1/8).
    assert.ok(r.summary.finalAccuracy > 0.8, `final accuracy ${r.summary.finalAccuracy}`);
    const other = await runExperiment(cfg(1994), { features: feats, progress: false });
    // NCM does not depend on the run seed, so equal accuracies mean equal shots.
    assert.deepEqual(
      other.steps.map((s) => s.accuracy),
      r.steps.map((s) => s.accuracy),
    );
    assert.match(runName(r.config), /-B4-T2-3shot-/);
  });

  it('refuses K above the shots, --shots without few-shot and unknown scenarios; class-incremental is the default config', () => {
    assert.throws(
      () => resolveConfig({ scenario: { kind: 'few-shot', shots: 5 } as never }),
      /few-shot with 5 shots: a mixture of K = 8 components cannot be fitted to 5 codes per new class\. Fix: pass --K 5 or fewer/,
    );
    assert.equal(resolveConfig({ scenario: { kind: 'few-shot' } as never, memory: { em: { K: 1 } } } as never).scenario.shots, 5);
    assert.throws(() => resolveConfig({ scenario: { shots: 5 } as never }), /--shots 5 applies to --scenario few-shot only/);
    assert.throws(
      () => resolveConfig({ scenario: { kind: 'streaming' } as never }),
      /scenario "streaming" is not known\. Fix: use --scenario class-incremental \| few-shot \| online/,
    );
    // Naming the default changes nothing: same config, same hash, so earlier results keep their folders.
    assert.equal(configHash(resolveConfig({ scenario: { kind: 'class-incremental' } as never })), configHash(resolveConfig({})));
    // NCM keeps no mixture: any K is fine with few shots.
    assert.equal(resolveConfig({ scenario: { kind: 'few-shot', shots: 1 } as never, method: { name: 'ncm' } }).scenario.shots, 1);
  });
});
