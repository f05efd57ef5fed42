/** npm run notebooks [-- --quick] [--save] [name...]: execute notebooks headlessly; fail on any cell error. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tslabTypescriptVersion } from '../src/notebook/check.js';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const save = args.includes('--save');
const only = args.filter((a) => !a.startsWith('--'));
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const check = spawnSync(python, ['-c', 'import nbclient, nbformat'], { encoding: 'utf8' });
if (check.status !== 0) {
  console.error(`gbm: ${python} cannot import nbclient/nbformat. Fix: run \`npm run setup\` (installs Debian's python3-nbclient and jupyter-client).`);
  process.exit(1);
}
const notebooks = fs
  .readdirSync(path.join(root, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb') && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
if (notebooks.length === 0) {
  console.error('gbm: no notebooks matched. Fix: name one of notebooks/*.ipynb.');
  process.exit(1);
}
// tslab tells Jupyter it is TypeScript 3.7.2; saved notebooks record the version it really compiles with.
const tsVersion = tslabTypescriptVersion();
let passed = 0;
let failed = 0;
for (const nb of notebooks) {
  const t0 = Date.now();
  const r = spawnSync(
    python,
    [path.join(root, 'scripts', 'execute_notebook.py'), path.join('notebooks', nb), ...(save ? ['--save', '--ts-version', tsVersion] : [])],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: path.join(root, '.jupyter'), GBM_QUICK: quick ? '1' : '0' },
    },
  );
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) {
    passed++;
    console.log(`  ok   ${nb} (${secs} s${quick ? ', quick' : ''})`);
  } else {
    failed++;
    console.log(`  FAIL ${nb} (${secs} s)`);
    // Cell errors come back on stderr with the cell's source; tslab's own stderr chatter is not a failure.
    process.stderr.write(`${(r.stderr ?? '').split('\n').slice(-60).join('\n')}\n`);
  }
}
console.log(`notebooks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
