/**
 * npm run reproduce -- <study> [--fresh]: regenerate a study's runs, tables and figures from scratch.
 * Runs the study's sweeps (finished runs are reused unless --fresh), then executes its notebook in full mode and
 * saves it (figures under figures/, tables in the notebook and in results/sweeps/<name>/summary.csv).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { STUDIES } from '../src/sweep/studies.js';
import { runSweep } from '../src/sweep/sweep.js';
import { errorLine } from '../src/util/errors.js';

const root = path.resolve(__dirname, '..');

/** Each reproducible study: the sweeps it needs and the notebook that draws it. */
const REPRODUCE: Record<string, { sweeps: string[]; notebook: string | null; what: string; models?: string[] }> = {
  default: { sweeps: [], notebook: '03-pseudo-replay', what: 'the default GBM run (npm start) and notebook 03' },
  'ablation-K': { sweeps: ['ablation-kp'], notebook: '04-ablation-K', what: 'accuracy and memory vs K (notebook 04)' },
  'ablation-p': { sweeps: ['ablation-kp', 'ablation-p8'], notebook: '05-ablation-p-binarizer', what: 'thermometer p and Heaviside (notebook 05)' },
  'memory-accuracy': { sweeps: ['memory-accuracy'], notebook: '06-memory-vs-accuracy', what: 'GBM vs latent replay on one memory axis (notebook 06)' },
  baselines: { sweeps: ['baselines'], notebook: '07-baselines', what: 'the method-comparison table, T = 5, 10, 20 (notebook 07)' },
  'em-safeguards': { sweeps: ['em-safeguards'], notebook: null, what: 'EM re-seeding rules at K = 8 and 32, 3 seeds (README, "EM"; summary.csv)' },
  'bit-correlation': { sweeps: [], notebook: '08-bit-correlation', what: 'bit independence within classes (notebook 08)' },
  bnn: {
    sweeps: [],
    notebook: '09-bnn',
    what: "a BNN trained on Fashion-MNIST's base classes, GBM on its codes (notebook 09, about 9 min)",
    models: ['bnn-fashion-mnist'],
  },
  ste: {
    sweeps: [],
    notebook: '10-ste-gradients',
    what: 'STE gradient quality and the STE phase (notebook 10, about 8 min)',
    models: ['resnet20-fmnist-nb10', 'resnet20-fmnist-nb10-ste'],
  },
};

function usage(): string {
  return [
    'Usage: npm run reproduce -- <study> [--fresh]',
    '',
    'Studies:',
    ...Object.entries(REPRODUCE).map(([k, v]) => `  ${k.padEnd(16)} ${v.what}`),
    `  ${'all'.padEnd(16)} every study above`,
    '',
    "--fresh deletes the studies' sweep folders and trained networks first (otherwise finished ones are reused).",
  ].join('\n');
}

async function main(args: string[]): Promise<number> {
  const names = args.filter((a) => !a.startsWith('--'));
  if (names.length === 0 || args.includes('--help')) {
    console.log(usage());
    return names.length === 0 && !args.includes('--help') ? 2 : 0;
  }
  const studies = names.includes('all') ? Object.keys(REPRODUCE) : names;
  for (const s of studies) {
    if (!REPRODUCE[s]) {
      console.error(`gbm: unknown study "${s}". Fix: use one of ${Object.keys(REPRODUCE).join(', ')}, all.`);
      return 2;
    }
  }
  for (const s of studies) {
    const t0 = Date.now();
    const r = REPRODUCE[s];
    console.log(`== ${s}: ${r.what}`);
    if (s === 'default') {
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'start'], { cwd: root, stdio: 'inherit' });
      if (run.status !== 0) return run.status ?? 1;
    }
    if (args.includes('--fresh')) for (const m of r.models ?? []) fs.rmSync(path.join(root, 'models', m), { recursive: true, force: true });
    for (const name of r.sweeps) {
      const spec = STUDIES[name];
      const dir = path.join(root, 'results', 'sweeps', spec.name);
      if (args.includes('--fresh')) fs.rmSync(dir, { recursive: true, force: true });
      const res = await runSweep(spec, { results: path.join(root, 'results') });
      console.log(
        `   sweep ${name}: ${res.jobs} runs (${res.skipped} reused, ${res.ran} ran, ${res.failed.length} failed) in ${res.seconds.toFixed(0)} s -> ${path.relative(root, res.dir)}/summary.csv`,
      );
      if (res.failed.length) return 1;
    }
    if (r.notebook) {
      const nb = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/run-notebooks.ts'), '--save', r.notebook], {
        cwd: root,
        stdio: 'inherit',
      });
      if (nb.status !== 0) return nb.status ?? 1;
    }
    console.log(`   ${s} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (c) => {
    process.exitCode = c;
  },
  (e) => {
    console.error(errorLine(e));
    process.exitCode = 1;
  },
);
