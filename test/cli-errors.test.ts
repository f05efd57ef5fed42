import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Command } from '../src/cli/args.js';
import { COMMANDS, main } from '../src/cli/main.js';
import { tmpDir } from './helpers.js';

/** Run the CLI in this process; its exit code and what it wrote to stderr. */
async function cli(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => {
    lines.push(a.join(' '));
  };
  try {
    return { code: await main(argv), stderr: lines.join('\n') };
  } finally {
    console.error = orig;
  }
}

describe('cli: the new options fail with one line and exit code 2', () => {
  it('names the option and the fix', async () => {
    const results = tmpDir('cli-refused');
    const cases: [string[], RegExp][] = [
      [['run', '--seeds', '1993,x'], /^gbm: --seeds "1993,x" is not a list of non-negative integers\. Fix: write e\.g\. --seeds 1993,1994,1995/],
      [['run', '--seed', '1', '--seeds', '1,2'], /^gbm: --seed and --seeds were both given/],
      [['run', '--em-reseed', 'random'], /^gbm: EM re-seeding "random" is not known\. Fix: use --em-reseed none \| sample \| worst/],
      [['run', '--em-tol', '-1'], /^gbm: EM tol = -1 must be >= 0/],
      [['run', '--method', 'fetril', '--head', 'rbf'], /^gbm: fetril option head = "rbf" is not known\. Fix: use one of: svm, fc/],
      [['run', '--method', 'fecam', '--class-mean', 'median'], /^gbm: fecam option class-mean = "median" is not known/],
      [
        ['run', '--base-classes', '50', '--results', results, '--no-figure'],
        /^gbm: the backbone in .*resnet20-e8ste-tinyimagenet was trained on 50 of this scenario's incremental classes .*--allow-backbone-overlap/,
      ],
      [['import-backbone'], /^gbm: no checkpoint given\. Fix: pass it first: gbm import-backbone FILE\.pth --arch resnet18/],
      [['import-backbone', 'x.pth'], /^gbm: --arch is required/],
      [['import-backbone', 'x.pth', '--arch', 'vgg'], /^gbm: --arch vgg cannot be imported\. Fix: use --arch resnet20 \| resnet32 \| resnet18/],
      [['import-backbone', '/nonexistent.pth', '--arch', 'resnet18'], /^gbm: checkpoint \/nonexistent\.pth does not exist/],
      [['import-backbone', 'x.pth', '--arch', 'resnet18', '--mean', '0.5,0.5'], /^gbm: --mean "0\.5,0\.5" is not three comma-separated numbers/],
      [['import-backbone', 'a.pth', 'b.pth'], /^gbm: unexpected argument "b\.pth" for `gbm import-backbone`/],
      [['train-backbone', '--shards', '0'], /^gbm: --shards 0 must be an integer of at least 1/],
      [
        ['run', '--base-classes', '1', '--allow-backbone-overlap'],
        /^gbm: --base-classes 1: method gbm trains a classifier on the base classes, which needs at least 2\. Fix: pass --base-classes 2 or more/,
      ],
      [['run', '--method', 'fetril', '--base-classes', '1'], /^gbm: --base-classes 1: method fetril trains a classifier/],
      [
        ['run', '--tasks', '0'],
        /^gbm: --tasks 0 leaves the 100 classes after the 100 base classes unused\. Fix: pass --tasks 1 or more, or --base-classes 200/,
      ],
      [['run', '--classes', '0'], /^gbm: --classes 0 leaves nothing to run\. Fix: pass --classes 1 or more/],
      [['run', '--test-per-class', '0'], /^gbm: --test-per-class 0 leaves nothing to test on/],
      [
        ['run', '--base-classes', '300'],
        /^gbm: base classes = 300 must be between 1 and the 200 classes of the data\. Fix: pass e\.g\. --base-classes 100 \(half of them\)/,
      ],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), re, argv.join(' '));
    }
    // A run refused for its input leaves no (empty) results folder behind.
    assert.deepEqual(fs.readdirSync(results), []);
  });
});

describe('cli: one error shape at the top level', () => {
  it('a full disk, a refused permission or a missing file is one line with the path and the fix (exit 2); a bug prints its stack (exit 1)', async () => {
    const fail = (e: Error): Command => ({
      name: 'fail-test',
      summary: '',
      options: [],
      run: async () => {
        throw e;
      },
    });
    const errno = (code: string, syscall: string, p: string) => Object.assign(new Error(`${code}: x, ${syscall} '${p}'`), { code, syscall, path: p });
    const cases: [Error, number, RegExp][] = [
      [errno('ENOSPC', 'write', '/r/results.json'), 2, /^gbm: cannot write \/r\/results\.json: the disk is full \(ENOSPC\)\. Fix: free space/],
      [errno('EACCES', 'open', '/data/cache/x'), 2, /^gbm: cannot open \/data\/cache\/x: permission denied \(EACCES\)\. Fix: /],
      [errno('ENOENT', 'open', '/nope/a.zip'), 2, /^gbm: cannot open \/nope\/a\.zip: no such file or folder \(ENOENT\)/],
      [
        new Error('browserType.launch: Failed to launch chromium because executable does not exist'),
        2,
        /^gbm: the browser that draws figures could not start .*Fix: run `npm run setup`/,
      ],
    ];
    for (const [e, code, re] of cases) {
      COMMANDS.push(fail(e));
      try {
        const r = await cli('fail-test');
        assert.equal(r.code, code, r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, re);
      } finally {
        COMMANDS.pop();
      }
    }
    COMMANDS.push(fail(new TypeError('cannot read x of undefined')));
    try {
      const r = await cli('fail-test');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^gbm: TypeError: cannot read x of undefined\nTypeError: cannot read x of undefined\n\s+at /);
    } finally {
      COMMANDS.pop();
    }
  });
});
