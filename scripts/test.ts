/**
 * npm test: format and lint (Biome, no writes), type-check, the stored notebooks' outputs, unit tests (mocha), then every notebook in quick mode; prints one closing line
 * "tests: N passed, N failed, N skipped" over all of them. Stops at the first failing stage.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;

/** Run one stage; `count` adds the stage's own pass/fail/skip counts and returns how many failures it saw. */
function stage(name: string, cmd: string, args: string[], count: (out: string) => number): boolean {
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: process.env, maxBuffer: 256 << 20 });
  process.stdout.write(r.stdout ?? '');
  const failures = count(r.stdout ?? '');
  if (r.status !== 0) {
    if (failures === 0) failed++; // e.g. a type error: one failed check
    console.log(`\n${name} failed (exit ${r.status})`);
    return false;
  }
  return true;
}

const num = (out: string, re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
const ok =
  stage('format and lint (biome ci; `npm run format` fixes formatting)', path.join(root, 'node_modules/.bin/biome'), ['ci', '--colors=off'], () => 0) &&
  stage('typecheck (tsc --noEmit, strict)', process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit'], () => 0) &&
  stage(
    'stored notebooks (no error, stderr or machine path in their outputs; npm run check-notebooks)',
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts/check-notebooks.ts')],
    (out) => {
      const f = (out.match(/^\S+\.ipynb.*: (?!ok$).*$/gm) ?? []).length;
      passed += (out.match(/^\S+\.ipynb: ok$/gm) ?? []).length;
      failed += f;
      return f;
    },
  ) &&
  stage('unit tests (mocha)', process.execPath, [path.join(root, 'node_modules/mocha/bin/mocha.js')], (out) => {
    passed += num(out, /(\d+) passing/);
    skipped += num(out, /(\d+) pending/);
    const f = num(out, /(\d+) failing/);
    failed += f;
    return f;
  }) &&
  stage('notebooks (quick mode)', process.execPath, ['--import', 'tsx', path.join(root, 'scripts/run-notebooks.ts'), '--quick'], (out) => {
    passed += num(out, /notebooks: (\d+) passed/);
    const f = num(out, /notebooks: \d+ passed, (\d+) failed/);
    failed += f;
    return f;
  });
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
