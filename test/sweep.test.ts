import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expandGrid, overrideGrid, parseGrid, type Grid } from '../src/sweep/grid.js';
import { collectSweep, planSweep, runSweep, summarize } from '../src/sweep/sweep.js';
import { requireData, tmpDir } from './helpers.js';

// A 10-class subset renumbers the order, so the default backbone saw some incremental classes: allowed for these tests.
const SUBSET_OPTS = { classes: 10, 'train-per-class': 200, 'test-per-class': 50, 'base-classes': 4, tasks: 3, epochs: 2, 'allow-backbone-overlap': true };

describe('sweeps', () => {
  it('parses grids and refuses unknown keys, empty grids and bad values', () => {
    assert.deepEqual(parseGrid('K=1,8 levels=2;binarizer=thermometer,heaviside'), { K: [1, 8], levels: [2], binarizer: ['thermometer', 'heaviside'] });
    assert.throws(() => parseGrid(''), /the grid is empty/);
    assert.throws(() => parseGrid('Q=1,2'), /unknown grid key "Q".*grid keys are the options of gbm run \(flag or config path\): .*K \(memory\.em\.K\)/);
    assert.throws(() => parseGrid('K='), /grid key "K" has no values/);
    assert.throws(() => parseGrid('K=1,two'), /K=two must be an integer/);
    assert.throws(() => parseGrid('results=a'), /unknown grid key "results"/);
    assert.throws(() => expandGrid({}, { method: ['gbm', 'icarl'] }), /unknown method "icarl"/);
    assert.throws(() => parseGrid('K=1 memory.em.K=2'), /grid keys "memory\.em\.K" and "K" name the same option/);
    assert.throws(() => parseGrid('memory.em.Q=1'), /unknown grid key "memory\.em\.Q"/);
  });

  it('names options by config path or by flag alike, and sweeps a list of grids as alternatives', () => {
    // The config-path vocabulary (scikit-learn's nested names) and the flags are the same options: same runs, same ids.
    const byPath = expandGrid({ 'classifier.epochs': 2 }, { 'memory.em.K': [1, 8], 'binarizer.levels': [1, 2], 'method.options.head': ['fc'] });
    const byFlag = expandGrid({ epochs: 2 }, { K: [1, 8], levels: [1, 2], head: ['fc'] });
    assert.equal(byPath.length, 4);
    assert.deepEqual(
      byPath.map((j) => j.id),
      byFlag.map((j) => j.id),
    );
    assert.deepEqual(
      byPath.map((j) => j.point),
      [
        { K: 1, levels: 1 },
        { K: 1, levels: 2 },
        { K: 8, levels: 1 },
        { K: 8, levels: 2 },
      ],
    );
    assert.deepEqual(
      byPath.map((j) => j.config.classifier.epochs),
      [2, 2, 2, 2],
    );
    // Alternatives: GBM over K, FeTrIL over its head; a run both grids produce is run once.
    const alt = expandGrid({}, [
      { 'method.name': ['gbm'], 'memory.em.K': [1, 8] },
      { 'method.name': ['fetril'], 'method.options.head': ['svm', 'fc'] },
      { 'method.name': ['gbm'], 'memory.em.K': [8] },
    ]);
    assert.deepEqual(
      alt.map((j) => [j.config.method.name, j.config.memory.em.K, j.config.method.options.head ?? '']),
      [
        ['gbm', 1, ''],
        ['gbm', 8, ''],
        ['fetril', 8, 'svm'],
        ['fetril', 8, 'fc'],
      ],
    );
  });

  it('narrows a study from the command line: --grid replaces the values of the keys it names, in every grid of the study', () => {
    const study: Grid[] = [
      { method: ['gbm', 'ncm'], tasks: [5, 10, 20], seed: [1993, 1994] },
      { method: ['fetril'], head: ['svm', 'fc'], tasks: [5, 10] },
    ];
    assert.deepEqual(overrideGrid(study, parseGrid('scenario.tasks=5 seed=1995')), [
      { method: ['gbm', 'ncm'], tasks: [5], seed: [1995] },
      { method: ['fetril'], head: ['svm', 'fc'], tasks: [5], seed: [1995] },
    ]);
    assert.equal(expandGrid({}, overrideGrid(study, { tasks: [5] })).length, 2 * 2 + 2);
    assert.throws(() => overrideGrid(study, { Q: [1] }), /unknown grid key "Q"/);
  });

  it('drops keys that do not apply to a combination and merges the duplicates', () => {
    const jobs = expandGrid({}, { binarizer: ['thermometer', 'heaviside'], levels: [1, 2] });
    assert.equal(jobs.length, 3);
    assert.deepEqual(
      jobs.map((j) => j.point),
      [{ binarizer: 'thermometer', levels: 1 }, { binarizer: 'thermometer', levels: 2 }, { binarizer: 'heaviside' }],
    );
    const mixed = expandGrid({}, { method: ['gbm', 'ncm', 'replay-real'], K: [1, 8], exemplars: [5, 10] });
    assert.deepEqual(
      mixed.map((j) => j.config.method.name),
      ['gbm', 'gbm', 'ncm', 'replay-real', 'replay-real'],
    );
    assert.equal(new Set(mixed.map((j) => j.id)).size, 5);
    // gbm-k1 pins K = 1 in its spec: a K grid gives it one run, never a refused K = 8.
    const pinned = expandGrid({}, { method: ['gbm', 'gbm-k1'], K: [1, 8] });
    assert.deepEqual(
      pinned.map((j) => [j.config.method.name, j.config.memory.em.K]),
      [
        ['gbm', 1],
        ['gbm', 8],
        ['gbm-k1', 1],
      ],
    );
  });

  it('refuses a sweep folder whose sweep.json is unreadable, and leaves it as it was', async () => {
    const results = tmpDir('sweep-bad');
    const dir = path.join(results, 'sweeps', 'x');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'sweep.json'), '{ not json');
    await assert.rejects(
      runSweep({ name: 'x', base: {}, grid: { K: [1] } }, { results, progress: false }),
      /cannot read .*sweep\.json.*Fix: delete that sweep folder/,
    );
    assert.equal(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8'), '{ not json');
    assert.deepEqual(fs.readdirSync(dir), ['sweep.json']);
    await assert.rejects(runSweep({ name: '../x', base: {}, grid: { K: [1] } }, { results, progress: false }), /not a plain folder name/);
  });

  it('averages over seeds with the sample standard deviation', () => {
    const rows = [0.2, 0.4, 0.6].map((v, i) => ({
      run: `r${i}`,
      method: 'gbm',
      K: 8,
      seed: 1993 + i,
      avg_inc_acc: v,
      final_acc: v / 2,
      forgetting: 0,
      memory_bits_per_class: 10,
      input_bits: 256,
      seconds: 1,
    }));
    const [s] = summarize(rows, ['K']);
    assert.equal(s.n, 3);
    assert.ok(Math.abs(Number(s.avg_inc_acc_mean) - 0.4) < 1e-12);
    assert.ok(Math.abs(Number(s.avg_inc_acc_std) - 0.2) < 1e-12);
  });

  it('runs a grid in worker processes, resumes after being killed, and refuses a folder of another config', async function () {
    this.timeout(600000); // worker processes: generous on a loaded machine (CI may share its cores)
    requireData(this, 'tiny-imagenet-200.zip');
    const results = tmpDir('sweep');
    const grid = 'K=1,2,4,8';
    const cli = path.join(__dirname, '..', 'bin', 'gbm');
    const args = [
      'sweep',
      '--name',
      's',
      '--results',
      results,
      '--grid',
      grid,
      '--jobs',
      '1',
      ...Object.entries(SUBSET_OPTS).flatMap(([k, v]) => (typeof v === 'boolean' ? [`--${k}=${v}`] : [`--${k}`, String(v)])),
    ];
    const runs = path.join(results, 'sweeps', 's', 'runs');
    const finished = () => (fs.existsSync(runs) ? fs.readdirSync(runs).filter((d) => fs.existsSync(path.join(runs, d, 'results.json'))) : []);
    // Start the sweep, kill it once the first run has finished.
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    while (finished().length < 1) {
      assert.equal(child.exitCode, null, 'the sweep ended before it could be interrupted');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await exited;
    assert.notEqual(child.exitCode, 0, 'an interrupted sweep must not report success');
    assert.match(stderr, /sweep interrupted \(SIGTERM\); finished runs are kept\. Fix: rerun the same command to resume/);
    const before = finished();
    assert.ok(before.length >= 1 && before.length < 4, `${before.length} runs finished before the kill`);
    const stamp = Object.fromEntries(before.map((d) => [d, fs.statSync(path.join(runs, d, 'results.json')).mtimeMs]));

    const r = await runSweep({ name: 's', base: SUBSET_OPTS, grid: { K: [1, 2, 4, 8] } }, { results, progress: false });
    assert.equal(r.jobs, 4);
    assert.equal(r.skipped, before.length);
    assert.equal(r.ran, 4 - before.length);
    assert.equal(r.runs.length, 4);
    for (const d of before) assert.equal(fs.statSync(path.join(runs, d, 'results.json')).mtimeMs, stamp[d], `${d} was rerun`);
    assert.ok(r.runs.every((row) => Number(row.final_acc) > 0.2));
    const csv = fs.readFileSync(path.join(r.dir, 'summary.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 5);

    // Same folder, another base config: refused, nothing touched.
    const record = fs.readFileSync(path.join(r.dir, 'sweep.json'), 'utf8');
    await assert.rejects(
      runSweep({ name: 's', base: { ...SUBSET_OPTS, epochs: 3 }, grid: { K: [1, 2, 4, 8] } }, { results, progress: false }),
      /written by a different config.*another --name/,
    );
    assert.equal(fs.readFileSync(path.join(r.dir, 'sweep.json'), 'utf8'), record);
    assert.equal(finished().length, 4);
    // A narrowed grid (a study with --grid) reuses the folder and its runs; sweep.json keeps the wider grid.
    const narrow = await runSweep({ name: 's', base: SUBSET_OPTS, grid: { K: [1, 8] } }, { results, progress: false });
    assert.deepEqual([narrow.jobs, narrow.skipped, narrow.ran], [2, 2, 0]);
    assert.equal(fs.readFileSync(path.join(r.dir, 'sweep.json'), 'utf8'), record);
    // A grid that holds the folder's runs widens it (the whole study after a narrowed part); one that neither holds
    // nor is held by them is refused.
    planSweep({ name: 's', base: SUBSET_OPTS, grid: { K: [1, 2, 4, 8, 16] } }, { results });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(r.dir, 'sweep.json'), 'utf8')).grid.K, [1, 2, 4, 8, 16]);
    assert.throws(() => planSweep({ name: 's', base: SUBSET_OPTS, grid: { K: [1, 32] } }, { results }), /neither grid holds the other's runs/);

    // A results.json cut short (a crash or a full disk) is an unfinished run: said, and run again; the rest are kept.
    const cut = path.join(runs, before[0], 'results.json');
    fs.writeFileSync(cut, fs.readFileSync(cut).subarray(0, 4096));
    const log: string[] = [];
    const again = await runSweep({ name: 's', base: SUBSET_OPTS, grid: { K: [1, 2, 4, 8] } }, { results, progress: false, log: (l) => log.push(l) });
    assert.equal(again.ran, 1);
    assert.equal(again.skipped, 3);
    assert.match(log.join('\n'), new RegExp(`run ${before[0]}: .*results\\.json is damaged \\(not a complete results file\\); running it again`));
    assert.equal(JSON.parse(fs.readFileSync(cut, 'utf8')).format, 'gbm-run/1');
    // Collecting without running tabulates the same four runs.
    const c = collectSweep({ name: 's', base: SUBSET_OPTS, grid: { K: [1, 2, 4, 8] } }, { results });
    assert.equal(c.runs.length, 4);
    assert.equal(c.jobs, 4);
  });
});
