/**
 * npm run check-notebooks [name...]: what a reader of the stored notebooks would trip over (errors, stderr, absolute
 * paths, links to missing files, a wrong language version); one line per problem, exit 1 when there is any.
 */
import fs from 'node:fs';
import path from 'node:path';
import { notebookProblems, tslabTypescriptVersion } from '../src/notebook/check.js';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'notebooks');
const only = process.argv.slice(2);
const ts = tslabTypescriptVersion();
let problems = 0;
for (const f of fs
  .readdirSync(dir)
  .filter((n) => n.endsWith('.ipynb') && (only.length === 0 || only.some((o) => n.includes(o))))
  .sort()) {
  const found = notebookProblems(fs.readFileSync(path.join(dir, f), 'utf8'), dir, ts);
  problems += found.length;
  for (const p of found) console.log(`${f}${p.cell >= 0 ? ` cell ${p.cell}` : ''}: ${p.what}`);
  if (!found.length) console.log(`${f}: ok`);
}
if (problems) console.log(`${problems} problems; re-execute the notebook (npm run notebooks -- --save NAME) after fixing their cause`);
process.exit(problems ? 1 : 0);
