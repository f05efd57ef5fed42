import assert from 'node:assert/strict';
import { frontierCrossings, paretoFrontier, sweepCurveFigure, seriesBy } from '../src/figures/studies.js';
import { STUDIES } from '../src/sweep/studies.js';
import { expandGrid } from '../src/sweep/grid.js';
import { comparisonTable, markdownTable } from '../src/tables/comparison.js';

describe('study tables and figures', () => {
  it('keeps the memory-accuracy frontier and finds where two frontiers cross', () => {
    const p = (bits: number, acc: number) => ({ bits, acc, label: `${bits}` });
    assert.deepEqual(paretoFrontier([p(10, 0.2), p(5, 0.1), p(20, 0.15), p(40, 0.3)]).map((x) => x.bits), [5, 10, 40]);
    // a is better when small, b overtakes from 100 bits on.
    const a = [p(10, 0.3), p(50, 0.35), p(200, 0.36)];
    const b = [p(20, 0.1), p(100, 0.4), p(400, 0.45)];
    assert.deepEqual(frontierCrossings(a, b), [{ bits: 10, better: 'a' }, { bits: 100, better: 'b' }]);
  });

  it('builds the comparison table with one row per method and a column per T', () => {
    const rows = [
      { method: 'gbm', tasks: 5, final_acc_mean: 0.25, avg_inc_acc_mean: 0.28, memory_bits_per_class_mean: 65792 },
      { method: 'gbm', tasks: 10, final_acc_mean: 0.22, avg_inc_acc_mean: 0.26, memory_bits_per_class_mean: 65792 },
      { method: 'ncm', tasks: 5, final_acc_mean: 0.2, avg_inc_acc_mean: 0.24, memory_bits_per_class_mean: 8192 },
    ];
    const t = comparisonTable(rows, [5, 10]);
    assert.deepEqual(t.map((r) => r.method), ['gbm', 'ncm']);
    assert.equal(t[0]['A_T (T=10)'], '22.00');
    assert.equal(t[1]['avg (T=10)'], '');
    assert.equal(t[0]['KiB/class'], '8.0');
    assert.match(markdownTable(t).split('\n')[2], /^\| gbm \| 25.00 \| 28.00 \| 22.00 \| 26.00 \| 8.0 \|/);
  });

  it('draws one line per series with error bars from the std', () => {
    const rows = [1, 2, 4].map((K) => ({ method: 'gbm', K, binarizer: 'thermometer', avg_inc_acc_mean: 0.2 + K / 100, avg_inc_acc_std: 0.01 }));
    const fig = sweepCurveFigure(seriesBy(rows, ['binarizer']), 'K', 'avg_inc_acc', { title: 't', xTitle: 'K', yTitle: 'acc', logX: true });
    assert.equal(fig.data.length, 1);
    const tr = fig.data[0] as unknown as { x: number[]; y: number[]; error_y: { array: number[] } };
    assert.deepEqual(tr.x, [1, 2, 4]);
    assert.ok(Math.abs(tr.y[2] - 24) < 1e-9);
    assert.deepEqual(tr.error_y.array.map((v) => Math.round(v)), [1, 1, 1]);
  });

  it('every study expands to valid, distinct runs', () => {
    const sizes = Object.fromEntries(Object.entries(STUDIES).map(([k, s]) => [k, expandGrid(s.base, s.grid).length]));
    // K x p x thermometer + K x Heaviside, for 3 seeds; p = 8 for every K; GBM K x mu + E per replay; 10 methods x 3 T.
    assert.deepEqual(sizes, { 'ablation-kp': (6 * 3 + 6) * 3, 'ablation-p8': 6, 'memory-accuracy': 5 * 3 + 6 + 6, baselines: 10 * 3 });
  });
});
