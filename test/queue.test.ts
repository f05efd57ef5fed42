import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { freePort, hasRedisServer, startLocalRedis, type LocalRedis } from '../src/sweep/local-redis.js';
import { QueueExecutor } from '../src/sweep/queue.js';
import { collectSweep, planSweep, runSweep, type SweepRow, type SweepSpec } from '../src/sweep/sweep.js';
import { expandGrid } from '../src/sweep/grid.js';
import { requireData, tmpDir } from './helpers.js';

// The sweep tests' subset (a 10-class subset renumbers the order, so the default backbone saw some of its classes).
const SUBSET = { classes: 10, 'train-per-class': 200, 'test-per-class': 50, 'base-classes': 4, tasks: 3, epochs: 2, 'allow-backbone-overlap': true };
const GRID = { K: [1, 2, 4] };
const CLI = path.join(__dirname, '..', 'bin', 'gbm');
const spec = (name: string, base: SweepSpec['base'] = SUBSET): SweepSpec => ({ name, base, grid: GRID });

/** Debian's redis-server on a free loopback port; skipped without it, unless CI requires it (GBM_REQUIRE_REDIS=1). */
async function startRedis(ctx: Mocha.Context): Promise<LocalRedis> {
  if (!hasRedisServer()) {
    if (process.env.GBM_REQUIRE_REDIS === '1')
      throw new Error('GBM_REQUIRE_REDIS=1 but redis-server is not installed (bash scripts/install-system.sh installs it)');
    ctx.skip();
  }
  return startLocalRedis();
}

/** A `gbm worker` process in its own process group (a SIGKILL to the group takes its sandboxed runs too), its log kept. */
class WorkerProc {
  readonly proc: ChildProcess;
  log = '';
  constructor(url: string) {
    this.proc = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--lock-seconds', '5'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr!.on('data', (b: Buffer) => {
      this.log += b.toString();
    });
  }
  /** Runs this worker started (each start of a run is one line). */
  started(): string[] {
    return [...this.log.matchAll(/worker: run (\w+) .* started/g)].map((m) => m[1]);
  }
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(-this.proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

async function until(what: string, test: () => boolean, seconds = 240): Promise<void> {
  for (let t = Date.now(); !test(); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() - t > seconds * 1000) throw new Error(`timed out waiting for ${what}`);
}

/** The metrics of a sweep's rows by run id, without the timing (which differs between any two runs). */
function metrics(rows: SweepRow[]): Record<string, SweepRow> {
  return Object.fromEntries(rows.map(({ seconds: _s, ...r }) => [String(r.run), r]));
}

describe('sweeps on a Redis queue (gbm sweep --queue, gbm worker) and as array jobs (--plan, --run-index)', () => {
  let redis: LocalRedis;
  let reference: Record<string, SweepRow>;
  const workers: WorkerProc[] = [];
  const flush = () => redis.flush();
  const worker = () => {
    const w = new WorkerProc(redis.url);
    workers.push(w);
    return w;
  };

  before(async function () {
    requireData(this, 'tiny-imagenet-200.zip');
    redis = await startRedis(this);
    // The local executor's numbers, which every distributed way of running the sweep must reproduce.
    const local = await runSweep(spec('local'), { results: tmpDir('queue-local'), progress: false });
    assert.equal(local.runs.length, 3);
    reference = metrics(local.runs);
  });

  afterEach(() => {
    for (const w of workers.splice(0)) w.kill();
  });

  after(() => {
    redis?.stop();
  });

  it('two workers run a sweep from the queue; its numbers equal the local executor’s, each run executed once', async () => {
    flush();
    const [a, b] = [worker(), worker()];
    const r = await runSweep(spec('q'), { results: tmpDir('queue-two'), progress: false, executor: new QueueExecutor(redis.url, { pollMs: 200 }) });
    assert.deepEqual(r.failed, []);
    assert.deepEqual(metrics(r.runs), reference);
    assert.deepEqual([...a.started(), ...b.started()].sort(), Object.keys(reference).sort());
    // The files a local sweep writes, from the results the workers sent back (no shared folder).
    for (const id of Object.keys(reference))
      for (const f of ['results.json', 'steps.csv', 'accuracy_matrix.csv']) assert.ok(fs.existsSync(path.join(r.dir, 'runs', id, f)), f);
  });

  it('a worker killed mid-run loses nothing: its run is retried by another worker', async () => {
    flush();
    const a = worker();
    const sweep = runSweep(spec('q'), { results: tmpDir('queue-kill'), progress: false, executor: new QueueExecutor(redis.url, { pollMs: 200 }) });
    await until('worker a to start a run', () => a.started().length > 0);
    a.kill();
    const lost = a.started()[0];
    const b = worker();
    const r = await sweep;
    assert.deepEqual(r.failed, []);
    assert.deepEqual(metrics(r.runs), reference);
    assert.ok(b.started().includes(lost), `the killed run ${lost} was run again by worker b`);
  });

  it('a coordinator killed and restarted collects the runs the workers finished meanwhile, without running them again', async () => {
    flush();
    const w = worker();
    const results = tmpDir('queue-restart');
    const args = ['sweep', '--name', 'q', '--results', results, '--grid', 'K=1,2,4', '--queue', redis.url];
    for (const [k, v] of Object.entries(SUBSET)) args.push(...(typeof v === 'boolean' ? [`--${k}=${v}`] : [`--${k}`, String(v)]));
    const coordinator = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    await until('a run to start', () => w.started().length > 0);
    coordinator.kill('SIGKILL');
    await until('the worker to finish the three runs', () => (w.log.match(/ finished/g) ?? []).length === 3);
    const r = await runSweep(spec('q'), { results, progress: false, executor: new QueueExecutor(redis.url, { pollMs: 200 }) });
    assert.deepEqual(metrics(r.runs), reference);
    assert.equal(w.started().length, 3, 'no run executed twice');
  });

  it('a run delivered twice writes one result: two coordinators of one sweep, and a resubmitted finished sweep, run nothing twice', async () => {
    flush();
    const w = worker();
    const results = tmpDir('queue-twice');
    const opts = { results, progress: false };
    const [r1, r2] = await Promise.all([
      runSweep(spec('q'), { ...opts, executor: new QueueExecutor(redis.url, { pollMs: 200 }) }),
      runSweep(spec('q'), { ...opts, executor: new QueueExecutor(redis.url, { pollMs: 200 }) }),
    ]);
    assert.deepEqual(metrics(r1.runs), reference);
    assert.deepEqual(metrics(r2.runs), reference);
    assert.equal(w.started().length, 3);
    // Results lost on this side: the queue still holds them; collected again, nothing rerun.
    fs.rmSync(path.join(results, 'sweeps', 'q', 'runs'), { recursive: true });
    const r3 = await runSweep(spec('q'), { ...opts, executor: new QueueExecutor(redis.url, { pollMs: 200 }) });
    assert.deepEqual(metrics(r3.runs), reference);
    assert.equal(w.started().length, 3);
  });

  it('a run refused for its inputs fails once, with its error in the summary, and is not retried', async () => {
    flush();
    const w = worker();
    const missing = path.join(tmpDir('queue-missing'), 'no-net');
    const r = await runSweep(
      { name: 'bad', base: { ...SUBSET, backbone: missing }, grid: { K: [1] } },
      { results: tmpDir('queue-bad'), progress: false, log: () => {}, executor: new QueueExecutor(redis.url, { pollMs: 200 }) },
    );
    assert.equal(r.failed.length, 1);
    assert.match(r.failed[0].error, /no trained network in .*no-net \(model\.json missing\)/);
    const summary = JSON.parse(fs.readFileSync(path.join(r.dir, 'summary.json'), 'utf8'));
    assert.match(summary.failed[0].error, /no trained network/);
    assert.equal(w.started().length, 1, 'tried once');
  });

  it('Redis unreachable or a bad address: one line naming it, exit 2', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const err = console.error;
    console.error = (l: string) => lines.push(String(l));
    try {
      const args = ['--name', 'q', '--results', tmpDir('queue-down'), '--grid', 'K=1', '--classes', '10', '--allow-backbone-overlap=true'];
      assert.equal(await main(['sweep', ...args, '--queue', `redis://127.0.0.1:${port}`]), 2);
      assert.equal(await main(['worker', '--queue', `redis://127.0.0.1:${port}`]), 2);
      assert.equal(await main(['sweep', ...args, '--queue', 'http://127.0.0.1:6379']), 2);
      assert.equal(await main(['worker']), 2);
    } finally {
      console.error = err;
    }
    assert.equal(lines.length, 4, lines.join('\n'));
    const down = new RegExp(
      `^gbm: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\. Fix: start it \\(e\\.g\\. redis-server --port ${port}\\)`,
    );
    assert.match(lines[0], down);
    assert.match(lines[1], down);
    assert.match(lines[2], /^gbm: --queue http:\/\/127\.0\.0\.1:6379 is not a Redis address\. Fix: write it as redis:\/\/HOST:PORT/);
    assert.match(lines[3], /^gbm: gbm worker needs --queue\./);
  });

  it('--plan writes the runs one JSON per line; --run-index runs one of them; --collect gathers them', async () => {
    const results = tmpDir('queue-plan');
    const p = planSweep(spec('arr'), { results });
    const lines = fs
      .readFileSync(p.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const ids = expandGrid(SUBSET, GRID).map((j) => j.id);
    assert.deepEqual(
      lines.map((l) => [l.index, l.id]),
      ids.map((id, i) => [i, id]),
    );
    assert.deepEqual(
      lines.map((l) => l.point),
      [{ K: 1 }, { K: 2 }, { K: 4 }],
    );
    await assert.rejects(runSweep(spec('arr'), { results, progress: false, runIndex: 3 }), /--run-index 3 is not a run of sweep arr \(it has 3: 0 to 2\)/);
    const one = await runSweep(spec('arr'), { results, progress: false, runIndex: 1 });
    assert.equal(one.ran, 1);
    const ran = fs
      .readdirSync(path.join(results, 'sweeps', 'arr', 'runs'))
      .filter((d) => fs.existsSync(path.join(results, 'sweeps', 'arr', 'runs', d, 'results.json')));
    assert.deepEqual(ran, [ids[1]]);
    const c = collectSweep(spec('arr'), { results });
    assert.equal(c.jobs, 3);
    assert.deepEqual(metrics(c.runs), { [ids[1]]: reference[ids[1]] });
  });
});
