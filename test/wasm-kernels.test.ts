import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GSTEP_WASM, GStepKernel } from '../src/classifier/gstep-kernel.js';
import { BMM_WASM } from '../src/memory/bmm-kernel.js';
import { MT19937 } from '../src/util/mt19937.js';
import { PROJECT_ROOT } from '../src/util/project.js';

describe("the kit's own WebAssembly kernels (src/*/kernels)", () => {
  it('the committed .wasm files are what their C sources build to (scripts/build-kernels.sh)', function () {
    this.timeout(120000);
    const hasClang = spawnSync('sh', ['-c', 'command -v clang && command -v wasm-ld']).status === 0;
    if (!hasClang) {
      if (process.env.GBM_REQUIRE_CLANG === '1')
        throw new Error('GBM_REQUIRE_CLANG=1 but clang/wasm-ld are missing: GBM_KERNEL_TOOLCHAIN=1 bash scripts/install-system.sh');
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbm-kernels-'));
    try {
      const r = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts/build-kernels.sh'), dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const built = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
      assert.deepEqual(built.sort(), ['bmm.wasm', 'gstep.wasm']);
      for (const [name, committed] of [
        ['gstep.wasm', GSTEP_WASM],
        ['bmm.wasm', BMM_WASM],
      ])
        assert.ok(
          fs.readFileSync(path.join(dir, name)).equals(fs.readFileSync(committed)),
          `${name} is stale: run bash scripts/build-kernels.sh and commit it`,
        );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gstep logits equal a float64 [x 1] P for 0/1 and real rows, every block width, and batches that grow', () => {
    const rng = new MT19937(2);
    for (const [D, C, n] of [
      [7, 3, 5],
      [33, 64, 40],
      [16, 101, 300],
    ]) {
      const k = new GStepKernel(D, C, 8);
      const P = Float32Array.from({ length: (D + 1) * C }, () => rng.random() - 0.5);
      k.P.set(P);
      for (const real of [false, true]) {
        const b = k.batch(n); // n > 8 grows the layout and keeps P
        const x = Float32Array.from({ length: n * D }, () => (rng.random() < 0.4 ? (real ? 3 * rng.random() - 1 : 1) : 0));
        b.x.set(x);
        const got = k.logits(n);
        let worst = 0;
        for (let i = 0; i < n; i++)
          for (let c = 0; c < C; c++) {
            let want = P[D * C + c];
            for (let d = 0; d < D; d++) want += x[i * D + d] * P[d * C + c];
            worst = Math.max(worst, Math.abs(got[i * C + c] - want));
          }
        assert.ok(worst < 1e-5, `D=${D} C=${C} ${real ? 'real' : '0/1'}: off by ${worst}`);
      }
      assert.deepEqual(Array.from(k.P), Array.from(P));
    }
  });
});
