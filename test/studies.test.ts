import assert from 'node:assert/strict';
import { comparisonFigure, frontierCrossings, paretoFrontier, sweepCurveFigure, seriesBy } from '../src/figures/studies.js';
import fs from 'node:fs';
import path from 'node:path';
import { METHODS } from '../src/methods/registry.js';
import { loadStudies, STUDIES, STUDY_FILES } from '../src/sweep/studies.js';
import { tmpDir } from './helpers.js';
import { expandGrid } from '../src/sweep/grid.js';
import { comparisonTable, markdownTable, sweepComparison } from '../src/tables/comparison.js';
import { formatMeanStd, meanStd, pairedGap } from '../src/tables/uncertainty.js';

describe('study tables and figures', () => {
  it('keeps the memory-accuracy frontier and finds where two frontiers cross', () => {
    const p = (bits: number, acc: number) => ({ bits, acc, label: `${bits}` });
    assert.deepEqual(
      paretoFrontier([p(10, 0.2), p(5, 0.1), p(20, 0.15), p(40, 0.3)]).map((x) => x.bits),
      [5, 10, 40],
    );
    // a is better when small, b overtakes from 100 bits on.
    const a = [p(10, 0.3), p(50, 0.35), p(200, 0.36)];
    const b = [p(20, 0.1), p(100, 0.4), p(400, 0.45)];
    assert.deepEqual(frontierCrossings(a, b), [
      { bits: 10, better: 'a' },
      { bits: 100, better: 'b' },
    ]);
  });

  it('builds the comparison table: mean ± std over seeds, paired gaps to GBM, the reported numbers with sources', () => {
    const run = (method: string, tasks: number, seed: number, avg: number, extra: Record<string, string> = {}) => ({
      method,
      tasks,
      seed,
      avg_inc_acc: avg,
      final_acc: avg - 0.04,
      memory_bits_per_class: method === 'gbm' ? 16640 : 2048,
      ...extra,
    });
    const rows = [
      // GBM at T=5 over 3 seeds: 0.28, 0.29, 0.30 (mean 0.29, std 0.01).
      run('gbm', 5, 1, 0.28),
      run('gbm', 5, 2, 0.29),
      run('gbm', 5, 3, 0.3),
      // NCM: +0.05 on every seed (a real gap); FeTrIL SVM: +0.01, -0.01, +0.02 (mean +0.0067, sd 0.0153, se 0.0088: a tie).
      run('ncm', 5, 1, 0.33),
      run('ncm', 5, 2, 0.34),
      run('ncm', 5, 3, 0.35),
      run('fetril', 5, 1, 0.29, { head: 'svm' }),
      run('fetril', 5, 2, 0.28, { head: 'svm' }),
      run('fetril', 5, 3, 0.32, { head: 'svm' }),
      // One seed only: the mean alone, no ±.
      run('gbm', 10, 1, 0.25),
      run('ncm', 10, 1, 0.2),
      run('fetril', 5, 1, 0.2, { head: 'fc' }),
    ];
    const t = comparisonTable(rows, [5, 10], ['head']);
    assert.deepEqual(
      t.map((r) => r.method),
      ['gbm', 'ncm', 'fetril (head fc)', 'fetril (head svm)'],
    );
    assert.equal(t[0]['avg (T=5)'], '29.00 ± 1.00');
    assert.equal(t[0]['A_T (T=5)'], '25.00 ± 1.00');
    assert.equal(t[0]['avg (T=10)'], '25.00');
    assert.equal(t[0]['KiB/class'], '2.0');
    assert.equal(t[1]['avg - gbm (T=5/10)'], '+5.00 / -5.00 (1 seed)');
    assert.equal(t[3]['avg - gbm (T=5/10)'], '+0.67 (tie) / -');
    assert.match(t[3]['reported (source)'], /TinyImageNet B100 54.8 \/ 53.1 \/ 52.2.*FeTrIL official README.*not comparable/);
    assert.match(t[2]['reported (source)'], /52.9 \/ 51.7 \/ 49.7.*FC head/);
    assert.equal(t[1]['reported (source)'], '');
    assert.match(markdownTable(t).split('\n')[2], /^\| gbm \| 25.00 ± 1.00 \| 29.00 ± 1.00 \| 21.00 \| 25.00 \| 2.0 \| {2}\|/);
  });

  it('a sweep that compares methods with GBM gets its comparison table (gbm sweep prints it and writes comparison.md); other sweeps none', () => {
    const run = (method: string, seed: number, avg: number, head?: string) => ({
      method,
      tasks: 5,
      seed,
      avg_inc_acc: avg,
      final_acc: avg,
      memory_bits_per_class: 64,
      ...(head ? { head } : {}),
    });
    const rows = [
      run('gbm', 1, 0.3),
      run('gbm', 2, 0.31),
      run('fecam', 1, 0.35),
      run('fecam', 2, 0.37),
      run('fetril', 1, 0.3, 'svm'),
      run('fetril', 1, 0.32, 'fc'),
    ];
    const md = sweepComparison(rows, [{ method: ['gbm', 'fecam', 'fetril'], head: ['svm', 'fc'], seed: [1, 2], tasks: [5] }]);
    const lines = md!.split('\n');
    assert.deepEqual(
      lines.slice(2).map((l) => l.split(' | ')[0]),
      ['| gbm', '| fetril (head fc)', '| fetril (head svm)', '| fecam'],
    );
    // fecam: differences +5 and +6 points, mean +5.50, se 0.50: a real gap.
    assert.match(lines[5], /\| \+5\.50 \|/);
    assert.equal(sweepComparison(rows, [{ K: [1, 8], seed: [1, 2] }]), null);
    assert.equal(sweepComparison(rows, [{ method: ['fecam', 'ncm'] }]), null);
    // A study over GBM's own options (several GBM configurations, e.g. memory against accuracy) is no method comparison.
    const kRows = [
      { ...rows[0], K: 1 },
      { ...rows[0], K: 8 },
      { ...rows[2], K: '' },
    ];
    assert.equal(sweepComparison(kRows, [{ method: ['gbm', 'fecam'], K: [1, 8], seed: [1] }], 5), null);
    // A grid without tasks: the runs' own T (given) heads the columns.
    const noT = rows.slice(0, 4).map(({ tasks, ...r }) => r);
    const md2 = sweepComparison(noT, [{ method: ['gbm', 'fecam'], seed: [1, 2] }], 5);
    assert.match(md2!.split('\n')[0], /avg \(T=5\)/);
    assert.match(md2!, /\| fecam \| .*\| \+5\.50 \|/);
  });

  it('pairs seeds: a gap larger than twice the standard error of the paired differences is real, a smaller one a tie', () => {
    // Differences 0.02, 0.03, 0.01: mean 0.02, sd 0.01, se 0.00577 -> real. Differences 0.02, -0.01, 0.02: mean 0.01, sd 0.0173, se 0.01 -> tie.
    const real = pairedGap([0.32, 0.33, 0.31], [0.3, 0.3, 0.3]);
    assert.ok(Math.abs(real.diff - 0.02) < 1e-12 && Math.abs(real.se - 0.01 / Math.sqrt(3)) < 1e-12 && real.real);
    const tie = pairedGap([0.32, 0.29, 0.32], [0.3, 0.3, 0.3]);
    assert.ok(Math.abs(tie.se - 0.01) < 1e-12 && !tie.real);
    assert.equal(formatMeanStd(0.2345, NaN, 1, 2, 100), '23.45');
    assert.equal(formatMeanStd(0.2345, 0.001, 3, 2, 100), '23.45 ± 0.10');
    assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  });

  it('draws one line per series with error bars from the std', () => {
    const rows = [1, 2, 4].map((K) => ({ method: 'gbm', K, binarizer: 'thermometer', avg_inc_acc_mean: 0.2 + K / 100, avg_inc_acc_std: 0.01 }));
    const fig = sweepCurveFigure(seriesBy(rows, ['binarizer']), 'K', 'avg_inc_acc', { title: 't', xTitle: 'K', yTitle: 'acc', logX: true });
    assert.equal(fig.data.length, 1);
    const tr = fig.data[0] as unknown as { x: number[]; y: number[]; error_y: { array: number[] } };
    assert.deepEqual(tr.x, [1, 2, 4]);
    assert.ok(Math.abs(tr.y[2] - 24) < 1e-9);
    assert.deepEqual(
      tr.error_y.array.map((v) => Math.round(v)),
      [1, 1, 1],
    );
  });

  it('the comparison dot plot: mean ± sample std per method and T, best of the first T on top', () => {
    const run = (method: string, tasks: number, seed: number, acc: number) => ({ method, tasks, seed, avg_inc_acc: acc });
    const runs = [run('gbm', 5, 1, 0.2), run('gbm', 5, 2, 0.3), run('ncm', 5, 1, 0.4), run('ncm', 5, 2, 0.4), run('gbm', 10, 1, 0.1), run('ncm', 10, 1, 0.5)];
    const fig = comparisonFigure(runs, [5, 10], (r) => String(r.method), 't');
    const [t5, t10] = fig.data as unknown as Array<{ x: number[]; y: string[]; error_x: { array: number[]; visible: boolean } }>;
    // Plotly draws the first category at the bottom: ascending means put the best on top.
    assert.deepEqual(t5.y, ['gbm', 'ncm']);
    assert.deepEqual(
      t5.x.map((v) => Math.round(v * 100) / 100),
      [25, 40],
    );
    // gbm at T=5: sample std of (20, 30) = 7.07; ncm: 0; one seed at T=10: no bar.
    assert.deepEqual(
      t5.error_x.array.map((v) => Math.round(v * 100) / 100),
      [7.07, 0],
    );
    assert.ok(t10.error_x.array.every((v) => Number.isNaN(v)) && !t10.error_x.visible);
  });

  it('every study expands to valid, distinct runs', () => {
    const sizes = Object.fromEntries(Object.entries(STUDIES).map(([k, s]) => [k, expandGrid(s.base, s.grid).length]));
    // Every study over 3 seeds: K x p x thermometer + K x Heaviside; p = 8 for every K; GBM K x mu + E (1 to 200) per replay;
    // 10 methods (FeTrIL with 2 heads: 11) x 3 T; K in {8, 32} x 3 re-seeding rules.
    assert.deepEqual(sizes, {
      'ablation-kp': (6 * 3 + 6) * 3,
      'ablation-p8': 6 * 3,
      'memory-accuracy': (5 * 3 + 8 + 8) * 3,
      baselines: 11 * 3 * 3,
      'em-safeguards': 2 * 3 * 3,
    });
  });

  it('reads every study from configs/: sweeps shared by name, quick sweeps small, every method in the comparison', () => {
    assert.deepEqual(
      STUDY_FILES['ablation-p'].sweeps.map((s) => s.name),
      ['ablation-kp', 'ablation-p8'],
    );
    assert.deepEqual(STUDY_FILES['ablation-p'].sweeps[0].grid, STUDY_FILES['ablation-K'].sweeps[0].grid);
    // A method added to the registry must be added to the comparison too (the file lists them, JSON has no code).
    for (const spec of [...STUDY_FILES.baselines.sweeps, ...STUDY_FILES.baselines.quick]) {
      const grid = spec.grid as Record<string, unknown[]>;
      assert.deepEqual(grid['method.name'], Object.keys(METHODS), `${spec.name} lacks a method`);
    }
    for (const study of Object.values(STUDY_FILES)) {
      if (study.notebook)
        assert.ok(fs.existsSync(path.join(__dirname, '..', 'notebooks', `${study.notebook}.ipynb`)), `${study.name}: no notebook ${study.notebook}`);
      for (const q of study.quick) {
        const jobs = expandGrid(q.base, q.grid);
        assert.ok(jobs.length > 0 && jobs.length <= 44, `${q.name}: ${jobs.length} quick runs`);
        assert.ok(
          jobs.every((j) => j.config.features.subset?.classes?.length === 20),
          `${q.name} is not on the 20-class subset`,
        );
      }
    }
  });

  it('refuses a study file that names an undefined sweep, defines one twice, or is not a study', () => {
    const dir = tmpDir('studies');
    const write = (name: string, body: object) =>
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ format: 'gbm-study/1', description: name, notebook: null, quick: [], ...body }));
    write('a', { sweeps: [{ name: 's1', base: {}, grid: { K: [1] } }] });
    write('b', { sweeps: ['s1'] });
    assert.deepEqual(loadStudies(dir).b.sweeps[0].grid, { K: [1] });
    write('c', { sweeps: ['s9'] });
    assert.throws(() => loadStudies(dir), /configs\/c\.json names sweep "s9", which no study file defines.*s1/);
    write('c', { sweeps: [{ name: 's1', base: {}, grid: { K: [2] } }] });
    assert.throws(() => loadStudies(dir), /sweep "s1" is defined twice/);
    fs.writeFileSync(path.join(dir, 'c.json'), '{"K": 4}');
    assert.throws(() => loadStudies(dir), /c\.json is not a study file/);
  });
});
