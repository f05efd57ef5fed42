import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './helpers.js';

const ROOT = path.resolve(__dirname, '..');
const RUN = path.join(ROOT, '.jupyter', 'kernels', 'gbm-tslab', 'run.sh');

describe('the notebook kernel, however it is installed', () => {
  it('in the repo (JUPYTER_PATH=.jupyter) it finds the kit from its own place', () => {
    const r = spawnSync('sh', [RUN, '--print-root'], { encoding: 'utf8', cwd: tmpDir('kernel-cwd') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), ROOT);
  });

  it('installed with `jupyter kernelspec install` (a copy elsewhere) it still finds the kit; a wrong GBM_KIT_ROOT says the fix', function () {
    if (spawnSync('jupyter', ['kernelspec', '--version']).status !== 0) {
      if (process.env.CI) throw new Error('jupyter kernelspec is missing; CI installs it with scripts/install-system.sh');
      this.skip();
    }
    const prefix = tmpDir('kernel-prefix');
    const inst = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-kernel.sh'), '--prefix', prefix], { encoding: 'utf8' });
    assert.equal(inst.status, 0, inst.stderr);
    const copy = path.join(prefix, 'share', 'jupyter', 'kernels', 'gbm-tslab', 'run.sh');
    assert.ok(fs.existsSync(copy));
    const kernel = JSON.parse(fs.readFileSync(path.join(path.dirname(copy), 'kernel.json'), 'utf8'));
    assert.deepEqual(kernel.argv, ['/bin/sh', '{resource_dir}/run.sh', '{connection_file}']);
    const r = spawnSync('sh', [copy, '--print-root'], { encoding: 'utf8', cwd: prefix });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), ROOT);
    const bad = spawnSync('sh', [copy, '--print-root'], { encoding: 'utf8', env: { ...process.env, GBM_KIT_ROOT: '/nonexistent' } });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr.trim(), /^gbm kernel: no node_modules\/\.bin\/tslab under '\/nonexistent'.*Fix: set GBM_KIT_ROOT/);
  });
});
