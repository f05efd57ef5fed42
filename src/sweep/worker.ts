// One sweep run in its own process: read job.json, run, write results.json (atomically, last), exit.
import fs from 'node:fs';
import { writeRunResults } from '../run/results.js';
import { runExperiment } from '../run/runner.js';
import { errorLine } from '../util/errors.js';

async function main(jobFile: string): Promise<void> {
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  const r = await runExperiment(job.config, { progress: false });
  await writeRunResults(job.dir, r, false);
}

main(process.argv[2]).then(
  () => process.exit(0),
  (e) => {
    console.error(errorLine(e));
    process.exit(1);
  },
);
