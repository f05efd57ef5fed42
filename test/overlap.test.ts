import assert from 'node:assert/strict';
import { resolveConfig, type RunConfigInput } from '../src/run/config.js';
import { checkBackboneOverlap } from '../src/run/overlap.js';
import { runExperiment } from '../src/run/runner.js';
import { buildScenario } from '../src/cil/scenario.js';
import type { FeatureSet } from '../src/features/cache.js';
import { readNetJson } from '../src/models/checkpoint.js';
import { defaultNetDir } from '../src/models/trained.js';
import { defaultBackbone } from '../src/data/registry.js';
import type { TrainingRecord } from '../src/train/record.js';

/** The class ids of a TinyImageNet scenario in order (200 classes, ids = positions in the sorted folder list). */
const orderOf = (c: ReturnType<typeof resolveConfig>) => buildScenario(200, c.scenario).order;

describe('a backbone never sees the incremental classes', () => {
  const rec = (readNetJson(defaultNetDir(defaultBackbone('tinyimagenet'), 'tinyimagenet')) as { training: TrainingRecord }).training.data;

  it('the committed default backbone and the default scenario: no overlap', () => {
    const c = resolveConfig({});
    assert.deepEqual(checkBackboneOverlap(c, orderOf(c)), []);
  });

  it('refuses a scenario whose incremental classes the backbone was trained on, naming how many and the option that moved the order', () => {
    const cases: Array<[RunConfigInput, RegExp, number]> = [
      // B50: the backbone's base classes 51..100 become incremental.
      [{ scenario: { baseClasses: 50 } }, /trained on 50 of this scenario's incremental classes .*moved with --base-classes 50 \(the backbone's: 100\)/, 50],
      [{ scenario: { orderSeed: 7 } }, /moved with --order-seed 7 \(the backbone's: 1993\)/, -1],
    ];
    for (const [input, re, count] of cases) {
      const c = resolveConfig(input);
      const order = orderOf(c);
      const expected = order.slice(c.scenario.baseClasses).filter((id) => rec.classIds.includes(id));
      if (count >= 0) assert.equal(expected.length, count);
      assert.ok(expected.length > 0);
      assert.throws(
        () => checkBackboneOverlap(c, order),
        (e: Error) => re.test(e.message) && /--allow-backbone-overlap/.test(String((e as { fix?: string }).fix ?? e.message)),
      );
      // Allowed on request: the overlap is returned (and recorded by the runner), exactly those ids.
      assert.deepEqual(checkBackboneOverlap(resolveConfig({ ...input, scenario: { ...input.scenario, allowBackboneOverlap: true } }), order), expected);
    }
  });

  it('a run allowed to overlap records the overlapping classes in its results', async () => {
    // 200 tiny classes standing in for TinyImageNet's (ids 0..199), 10 rows each; NCM keeps it fast.
    const make = (n: number) => {
      const features = new Float32Array(200 * n * 4);
      const labels = new Int32Array(200 * n);
      for (let i = 0; i < 200 * n; i++) {
        labels[i] = i % 200;
        for (let d = 0; d < 4; d++) features[i * 4 + d] = ((labels[i] * (d + 3)) % 17) + 0.1 * ((i * 7 + d) % 5);
      }
      return { features, labels, count: 200 * n, dim: 4 };
    };
    const feats: FeatureSet = { dir: '(in memory)', train: make(10), test: make(2), meta: { notes: [] } as unknown as FeatureSet['meta'] };
    const input = { scenario: { baseClasses: 50, tasks: 1 }, method: { name: 'ncm' } };
    await assert.rejects(runExperiment(input, { features: feats, progress: false }), /trained on \d+ of this scenario's incremental classes/);
    const r = await runExperiment({ ...input, scenario: { ...input.scenario, allowBackboneOverlap: true } }, { features: feats, progress: false });
    const order = buildScenario(200, r.config.scenario).order;
    assert.deepEqual(
      r.features.backboneOverlap,
      order.slice(50).filter((id) => rec.classIds.includes(id)),
    );
    assert.ok(r.features.backboneOverlap!.length > 0);
  });
});
