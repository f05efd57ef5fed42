/**
 * npm run reproduce -- <study> [--fresh]: regenerate a study's runs, tables and figures from scratch. The studies are
 * the files of configs/ (one JSON file each: its sweeps, its notebook, its quick sweeps).
 * Runs the study's sweeps (finished runs are reused unless --fresh), then executes its notebook in full mode and
 * saves it (figures under figures/, tables in the notebook and in results/sweeps/<name>/summary.csv).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { STUDY_FILES } from '../src/sweep/studies.js';
import { runSweep } from '../src/sweep/sweep.js';
import { errorLine } from '../src/util/errors.js';

const root = path.resolve(__dirname, '..');

/** Each reproducible study, from its file in configs/: the sweeps it needs, the notebook that draws it, the networks it trains. */
const REPRODUCE = STUDY_FILES;

function usage(): string {
  return [
    'Usage: npm run reproduce -- <study> [--fresh]',
    '',
    'Studies:',
    ...Object.entries(REPRODUCE).map(([k, v]) => `  ${k.padEnd(16)} ${v.description}`),
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
    console.log(`== ${s}: ${r.description}`);
    if (s === 'default') {
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'start'], { cwd: root, stdio: 'inherit' });
      if (run.status !== 0) return run.status ?? 1;
    }
    if (args.includes('--fresh')) for (const m of r.models ?? []) fs.rmSync(path.join(root, 'models', m), { recursive: true, force: true });
    for (const spec of r.sweeps) {
      const name = spec.name;
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
