import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseOptions, type Command } from '../src/cli/args.js';
import { main } from '../src/cli/main.js';

const GBM = path.resolve(__dirname, '..', 'bin', 'gbm');
const run = (...args: string[]) => spawnSync(process.execPath, [GBM, ...args], { encoding: 'utf8' });

/** The CLI's main() in this process, with what it prints through console captured: exit code, stdout, stderr. */
async function inProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const status = await main(args);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}

describe('cli', () => {
  it('--help lists every command, and each command lists its options with defaults', () => {
    const r = run('--help');
    assert.equal(r.status, 0);
    for (const c of ['start', 'run', 'sweep', 'features', 'train-backbone', 'info']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
    const f = run('features', '--help');
    assert.match(f.stdout, /--dataset <string>.*\(default: tinyimagenet\)/);
    assert.match(f.stdout, /--batch-size <int>.*\(default: 128\)/);
  });

  it('bad input gives one clear line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['features', '--dataset', 'nope'], /^gbm: unknown dataset "nope"\. Fix: use one of: tinyimagenet/],
      [['features', '--bogus', '1'], /^gbm: unknown option --bogus for `gbm features`/],
      [['features', '--batch-size', 'x'], /^gbm: option --batch-size must be an integer/],
      [['frobnicate'], /^gbm: .*unknown command "frobnicate"/],
      [['info', '--backend', 'gpu'], /^gbm: unknown backend "gpu"/],
      [['features', '--backend', 'gpu'], /^gbm: unknown backend "gpu"/],
      [['run', '--method', 'icarl'], /^gbm: unknown method "icarl"\. Fix: use one of: gbm, gbm-k1, finetune/],
      [['run', '--exemplars', '5'], /^gbm: method gbm has no option "exemplars"/],
      [['sweep', '--grid', 'Q=1,2'], /^gbm: unknown grid key "Q"\. Fix: grid keys are the options of gbm run/],
      [['sweep', '--grid', ''], /^gbm: the grid is empty/],
      [['sweep'], /^gbm: no grid given/],
      [['sweep', '--study', 'nope'], /^gbm: unknown study "nope"/],
      [['sweep', '--grid-file', '/nonexistent/grid.json'], /^gbm: cannot read grid file \/nonexistent\/grid.json/],
      [['train-backbone', '--arch', 'vgg'], /^gbm: unknown architecture "vgg"\. Fix: use --arch resnet20 \| resnet32 \| resnet18 \| bnn/],
      [['train-backbone', '--arch', 'bnn', '--dataset', 'fashion-mnist', '--epochs', '0'], /^gbm: --epochs 0 must be an integer of at least 1/],
      [['train-backbone', '--dataset', 'fashion-mnist', '--optimizer', 'rmsprop'], /^gbm: --optimizer rmsprop is not known\. Fix: use sgd or adam/],
      [
        ['run', '--backbone', 'resnet32', '--dataset', 'fashion-mnist'],
        /^gbm: no trained network in .*models\/resnet32-fashion-mnist .*Fix: train it first: gbm train-backbone --arch resnet32 --dataset fashion-mnist/,
      ],
    ];
    // In this process (main() returns the exit code): one CLI process per case took minutes on a loaded CI machine.
    for (const [args, re] of cases) {
      const r = await inProcess(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), re);
    }
    // And through the real command, for two of them: the process's own exit code and stderr.
    for (const [args, re] of [cases[0], cases[6]]) {
      const r = run(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), re);
    }
  });

  it('help and input errors answer without loading tfjs or the queue client (CLI start-up)', () => {
    // One child process runs main() on each argument list, then reports which heavy packages were loaded.
    const probe = [
      "require('tsx/cjs');",
      `const { main } = require(${JSON.stringify(path.resolve(__dirname, '..', 'src', 'cli', 'main.ts'))});`,
      'console.log = console.error = () => {};',
      "(async () => { for (const a of [['--help'], ['run', '--help'], ['sweep', '--help'], ['worker', '--help'], ['run', '--K', 'abc'], ['run', '--dataset', 'foo']]) await main(a);",
      "const loaded = (p) => Object.keys(require.cache).some((k) => k.includes('/node_modules/' + p + '/'));",
      "process.stdout.write(JSON.stringify(['@tensorflow/tfjs', 'bullmq', 'danfojs-node'].filter(loaded))); })();",
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });

  it('parses inline values and booleans', () => {
    const cmd: Command = {
      name: 't',
      summary: '',
      options: [
        { name: 'k', type: 'int', default: 8, help: '' },
        { name: 'q', type: 'boolean', help: '' },
      ],
      run: async () => {},
    };
    assert.deepEqual(parseOptions(cmd, ['--k=4', '--q']), { k: 4, q: true });
    assert.deepEqual(parseOptions(cmd, []), { k: 8, q: undefined });
  });
});
