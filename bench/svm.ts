/** Benchmark: FeTrIL's SVM head on the default base task, the kit's two solvers against scikit-learn's LinearSVC. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../src/backend/tf.js';
import { fitLinearSvm, type LinearSvm, predictLinearSvm } from '../src/classifier/svm.js';
import { BASE_TASK_FULL, BASE_TASK_QUICK, openBaseTask } from '../src/notebook/setup.js';
import type { BenchRow } from './run.js';
import { PYTHON, peerEnv } from './python.js';
import { l2normalize } from '../src/methods/stats.js';

/** Rows L2-normalised in place (FeTrIL's input to the SVM). */
function l2rows(x: Float32Array, dim: number): Float32Array {
  for (let i = 0; i < x.length; i += dim) x.set(l2normalize(x.subarray(i, i + dim)), i);
  return x;
}

/** Fit time, test accuracy and predictions of one solver. */
async function timed(solver: 'primal' | 'dual', x: Float32Array, y: Int32Array, classes: number, test: tf.Tensor2D) {
  const t0 = performance.now();
  const svm: LinearSvm = await fitLinearSvm(x, y, classes, { solver });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, svm, p: await predictLinearSvm(svm, test) };
}

/** The base task's SVM (100 classes x 500 rows of 64-d features; quick: the 10-class subset), every solver on the same rows. */
export async function benchSvm(quick: boolean): Promise<BenchRow[]> {
  const task = await openBaseTask({ ...BASE_TASK_FULL, ...(quick ? BASE_TASK_QUICK : {}) });
  const D = task.F;
  const classes = task.baseIds.length;
  const x = l2rows(Float32Array.from(task.train.x), D);
  const t = l2rows(Float32Array.from(task.test.x), D);
  const test = tf.tensor2d(t, [task.test.n, D]);
  const rows: BenchRow[] = [];
  const acc = (p: ArrayLike<number>) => (100 * Array.from(p).filter((v, i) => v === task.test.y[i]).length) / task.test.n;
  const what = `${classes} classes x ${task.train.n / classes} rows x ${D}-d, C = 1`;
  const primal = await timed('primal', x, task.train.y, classes, test);
  rows.push({ what: `kit primal (Newton-CG on ${tf.getBackend()}), ${what}: fit`, value: primal.seconds, unit: `s (${primal.svm.iterations} Newton steps)` });
  const dual = await timed('dual', x, task.train.y, classes, test);
  rows.push({ what: 'kit dual (coordinate descent, host), same rows: fit', value: dual.seconds, unit: `s (${dual.svm.iterations} epochs)` });
  rows.push({ what: 'ratio dual / primal (higher: primal faster)', value: dual.seconds / primal.seconds, unit: 'x' });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbm-svm-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.f32'), new Uint8Array(x.buffer));
    fs.writeFileSync(path.join(dir, 'y.i32'), new Uint8Array(task.train.y.buffer, task.train.y.byteOffset, task.train.y.byteLength));
    fs.writeFileSync(path.join(dir, 't.f32'), new Uint8Array(t.buffer));
    fs.writeFileSync(path.join(dir, 'shape.json'), JSON.stringify({ N: task.train.n, M: task.test.n, D }));
    const r = spawnSync(PYTHON, [path.join(__dirname, 'svm_sklearn.py'), dir], { encoding: 'utf8', env: peerEnv('default'), maxBuffer: 256 << 20 });
    if (r.status !== 0) {
      rows.push({ what: `scikit-learn peer failed (${r.stderr.trim().split('\n').pop()}); install python3-sklearn`, value: NaN, unit: '' });
    } else {
      const ref = JSON.parse(r.stdout) as { seconds: number; sklearn: string; W: number[]; p: number[] };
      rows.push({
        what: `scikit-learn ${ref.sklearn} LinearSVC(dual=False, tol=1e-4), FeTrIL's call, same rows: fit (1 thread, liblinear)`,
        value: ref.seconds,
        unit: 's',
      });
      rows.push({ what: 'ratio kit primal / scikit-learn (lower is better)', value: primal.seconds / ref.seconds, unit: 'x' });
      for (const [name, s] of [
        ['primal', primal],
        ['dual', dual],
      ] as const) {
        const same = Array.from(s.p).filter((v, i) => v === ref.p[i]).length;
        const ours = [...s.svm.W, ...s.svm.b];
        const scale = Math.max(...ref.W.map(Math.abs));
        const err = Math.max(...ours.map((v, i) => Math.abs(v - ref.W[i])));
        rows.push({ what: `kit ${name}: test predictions equal to scikit-learn's`, value: (100 * same) / task.test.n, unit: `% of ${task.test.n}` });
        rows.push({ what: `kit ${name}: max abs weight difference / max abs weight`, value: err / scale, unit: '' });
      }
      rows.push({
        what: 'test accuracy kit primal / kit dual / scikit-learn',
        value: acc(primal.p),
        unit: `% / ${acc(dual.p).toFixed(2)} % / ${acc(ref.p).toFixed(2)} %`,
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    test.dispose();
  }
  return rows;
}
