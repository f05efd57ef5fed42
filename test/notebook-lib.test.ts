import assert from 'node:assert/strict';
import { nearestHamming } from '../src/analysis/codes.js';
import * as gbm from '../src/notebook/index.js';
import { notebookParams } from '../src/notebook/params.js';
import type { SweepRow } from '../src/sweep/sweep.js';
import { equalMemoryGaps, studyTable } from '../src/tables/study.js';
import { MT19937 } from '../src/util/mt19937.js';

describe('notebook library', () => {
  it('one import gives a notebook the whole pipeline', () => {
    for (const name of [
      'extractFeatures',
      'baseTask',
      'fitBernoulliMixtures',
      'runExperiment',
      'runSweep',
      'studyTable',
      'showInline',
      'notebookParams',
      'scatterPanelsFigure',
    ])
      assert.equal(typeof (gbm as Record<string, unknown>)[name], 'function', name);
  });

  it('study tables: grouped and pivoted with danfo, mean ± sample std over seeds, no ± for one seed, rows in numeric order', () => {
    const run = (method: string, K: number, seed: number, acc: number): SweepRow => ({ method, K, seed, avg_inc_acc: acc, final_acc: acc / 2 });
    const runs = [run('gbm', 8, 1, 0.2), run('gbm', 8, 2, 0.3), run('gbm', 16, 1, 0.4), run('gbm', 16, 2, 0.6), run('ncm', 8, 1, 0.25), run('gbm', 2, 1, 0.1)];
    const t = studyTable(runs, { rows: ['K'], columns: 'method', scale: 100 });
    assert.deepEqual(t.columns, ['K', 'gbm', 'ncm', 'seeds']);
    const rows = t.values as string[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['2', '8', '16'],
    );
    // 8: mean 25, sample std sqrt(((20-25)^2 + (30-25)^2) / 1) = 7.07; 16: 50 ± 14.14; one seed: no ±.
    assert.deepEqual(rows[1], ['8', '25.00 ± 7.07', '25.00', 2]);
    assert.deepEqual(rows[2], ['16', '50.00 ± 14.14', '-', 2]);
    assert.deepEqual(rows[0], ['2', '10.00', '-', 1]);
    const flat = studyTable(runs.slice(0, 4), {
      rows: ['method', 'K'],
      metrics: ['avg_inc_acc', 'final_acc'],
      scale: { avg_inc_acc: 100, final_acc: 100 },
      digits: 1,
    });
    assert.deepEqual(flat.values, [
      ['gbm', '8', '25.0 ± 7.1', '12.5 ± 3.5', 2],
      ['gbm', '16', '50.0 ± 14.1', '25.0 ± 7.1', 2],
    ]);
    assert.throws(() => studyTable(runs, { rows: ['levels'] }), /no column levels/);
    const named = studyTable(runs.slice(0, 2), {
      rows: ['K'],
      metrics: ['avg_inc_acc'],
      scale: 100,
      names: { K: 'prototypes K', avg_inc_acc: 'avg inc acc (%)' },
    });
    assert.deepEqual(named.columns, ['prototypes K', 'avg inc acc (%)', 'seeds']);
    // A metric that does not vary with the seed (memory) shows its value alone, never "± 0.00".
    const mem = studyTable(
      runs.slice(0, 2).map((r) => ({ ...r, memory: 2048 })),
      { rows: ['K'], metrics: ['avg_inc_acc', 'memory'], scale: { avg_inc_acc: 100, memory: 1 / 1024 }, fixed: ['memory'] },
    );
    assert.deepEqual(mem.values, [['8', '25.00 ± 7.07', '2.00', 2]]);
  });

  it('equal-memory gaps: each option against the best other option that fits in its memory, paired by seed', () => {
    const r = (method: string, option: string, bits: number, seed: number, acc: number): SweepRow => ({
      method,
      option,
      memory_bits_per_class: bits,
      seed,
      avg_inc_acc: acc,
    });
    const runs = [
      r('gbm', 'B', 300, 1, 0.4),
      r('gbm', 'B', 300, 2, 0.42),
      r('gbm', 'A', 100, 1, 0.3),
      r('gbm', 'A', 100, 2, 0.32),
      r('rep', 'E1', 50, 1, 0.2),
      r('rep', 'E1', 50, 2, 0.22),
      r('rep', 'E2', 200, 1, 0.35),
      r('rep', 'E2', 200, 2, 0.36),
      r('rep', 'E3', 400, 1, 0.5),
      r('rep', 'E3', 400, 2, 0.5),
      r('rep', 'E0', 400, 1, 0.1),
    ];
    const g = equalMemoryGaps(runs, 'gbm', ['rep'], (x) => String(x.option));
    // Cheapest first; A (100 bits) only fits E1 (50): differences 0.10, 0.10. B (300) fits E1 and E2, E2 is better
    // (0.355): differences 0.05, 0.06, mean 0.055, sample sd 0.00707, se 0.005, a real gap. E3 (400) never fits.
    assert.deepEqual(
      g.map((x) => [x.option, x.otherOption]),
      [
        ['A', 'E1'],
        ['B', 'E2'],
      ],
    );
    assert.ok(Math.abs(g[0].diff - 0.1) < 1e-12 && g[0].n === 2);
    assert.ok(Math.abs(g[1].diff - 0.055) < 1e-12 && Math.abs(g[1].se - 0.005) < 1e-9 && g[1].real);
  });

  it('nearest Hamming distance equals a brute-force count, across 32-bit word boundaries', () => {
    const rng = new MT19937(5);
    const d = 70;
    const [na, nb] = [13, 9];
    const a = Float32Array.from({ length: na * d }, () => (rng.random() < 0.4 ? 1 : 0));
    const b = Float32Array.from({ length: nb * d }, () => (rng.random() < 0.4 ? 1 : 0));
    b.set(a.subarray(3 * d, 4 * d), 2 * d); // row 3 of a is in b: distance 0
    const got = nearestHamming(a, na, b, nb, d);
    for (let i = 0; i < na; i++) {
      let best = Infinity;
      for (let k = 0; k < nb; k++) {
        let h = 0;
        for (let j = 0; j < d; j++) h += a[i * d + j] !== b[k * d + j] ? 1 : 0;
        best = Math.min(best, h);
      }
      assert.equal(got[i], best, `row ${i}`);
    }
    assert.equal(got[3], 0);
  });

  it('parameters: the quick set over the full one in quick mode, a JSON override on top, an unknown name refused', () => {
    const saved = process.env.GBM_QUICK;
    const log = console.log;
    console.log = () => {};
    try {
      process.env.GBM_QUICK = '1';
      assert.deepEqual(notebookParams({ classes: 200, seeds: [1993, 1994, 1995] }, { classes: 20 }, undefined), {
        classes: 20,
        seeds: [1993, 1994, 1995],
        quick: true,
      });
      process.env.GBM_QUICK = '0';
      assert.deepEqual(notebookParams({ classes: 200, seeds: [1993, 1994, 1995] }, { classes: 20 }, '{"seeds":[7]}'), {
        classes: 200,
        seeds: [7],
        quick: false,
      });
      assert.throws(() => notebookParams({ classes: 200 }, {}, '{"K":8}'), /names K, which this notebook does not have.*classes/);
      assert.throws(() => notebookParams({ classes: 200 }, {}, '{K:8'), /GBM_PARAMS is not JSON/);
    } finally {
      console.log = log;
      if (saved === undefined) delete process.env.GBM_QUICK;
      else process.env.GBM_QUICK = saved;
    }
  });
});

describe('seed summaries for notebooks', () => {
  // Two seeds of a 3-step run: only what the summaries read.
  const fake = (seed: number, acc: number[], old: number[], method = 'gbm') =>
    ({
      name: `r-s${seed}`,
      config: { seed, method: { name: method } },
      steps: acc.map((a, t) => ({ step: t, seenClasses: 10 * (t + 1), accuracy: a, oldAccuracy: old[t], newAccuracy: a / 2, memoryBits: 8192 * (t + 1) })),
    }) as unknown as gbm.RunResult;
  const runs = [fake(1, [0.5, 0.4, 0.3], [NaN, 0.35, 0.25]), fake(2, [0.7, 0.6, 0.5], [NaN, 0.45, 0.35])];

  it('tabulates each step as mean ± sample std over seeds, with "-" where a step has no old classes', () => {
    const t = gbm.seedStepsTable(runs);
    // step 0: A_t = 60 ± 14.14 (sample std of 50 and 70); old: none at the base step.
    assert.deepEqual(t[0], { step: 0, 'classes seen': 10, 'A_t (%)': '60.00 ± 14.14', 'old (%)': '-', 'new (%)': '30.00 ± 7.07', 'memory KiB': 1 });
    assert.equal(t[2]['old (%)'], '30.00 ± 7.07');
    assert.equal(gbm.seedStepsTable([runs[0]])[1]['A_t (%)'], '40.00', 'one seed: no ±');
  });

  it('draws each method once, at its seed mean with ± std error bars, in its own colour', () => {
    const fig = gbm.seedAccuracyFigure(
      [
        { method: 'gbm', runs },
        { method: 'finetune', runs: [fake(1, [0.5, 0.1, 0.05], [NaN, 0, 0], 'finetune')] },
      ],
      'A_t',
    );
    const [g, f] = fig.data as Array<{ y: number[]; error_y?: { array: number[] }; name: string; line: { color: string } }>;
    assert.deepEqual(
      g.y.map((v) => Math.round(v)),
      [60, 50, 40],
    );
    assert.deepEqual(
      g.error_y?.array.map((v) => v.toFixed(2)),
      ['14.14', '14.14', '14.14'],
    );
    assert.equal(g.name, 'GBM (2 seeds)');
    assert.equal(f.error_y, undefined, 'one seed: no error bars');
    assert.notEqual(g.line.color, f.line.color);
  });
});

describe('ranking a study with its ties', () => {
  it('calls an option a tie with the best when the paired gap is within twice its standard error, and behind otherwise', async () => {
    const { rankWithTies } = await import('../src/tables/study.js');
    const row = (K: number, seed: number, acc: number) => ({ K, seed, avg_inc_acc: acc });
    // K=16 best (mean 0.30); K=32 differs by -0.01, -0.00, +0.005 per seed (a tie); K=1 trails by ~0.05 every seed.
    const runs = [
      row(16, 1, 0.3),
      row(16, 2, 0.31),
      row(16, 3, 0.29),
      row(32, 1, 0.29),
      row(32, 2, 0.31),
      row(32, 3, 0.295),
      row(1, 1, 0.25),
      row(1, 2, 0.26),
      row(1, 3, 0.245),
    ];
    const s = rankWithTies(runs, 'K');
    assert.deepEqual(
      s.map((x) => [x.value, x.verdict]),
      [
        ['16', 'best'],
        ['32', 'tie'],
        ['1', 'behind'],
      ],
    );
    // K=1: differences -0.05, -0.05, -0.045: mean -0.04833, sd 0.002887, se 0.001667.
    assert.ok(Math.abs(s[2].diff + 0.048333) < 1e-6 && Math.abs(s[2].se - 0.0016667) < 1e-6);
    const one = rankWithTies([row(8, 1, 0.3), row(16, 1, 0.31)], 'K');
    assert.deepEqual(
      one.map((x) => x.verdict),
      ['best', 'untested'],
      'one seed: neither a tie nor a gap can be shown',
    );
    assert.ok(Number.isNaN(one[1].se));
  });
});
