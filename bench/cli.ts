/**
 * CLI start-up: wall time of `gbm --help`, `gbm run --help` and an input error against a bare `node -e ""`, each
 * run `reps` times in turn (interleaved, so load shifts hit all alike); medians and the time over bare node.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchRow } from './run.js';
import { median } from './stats.js';

export async function benchCli(quick: boolean): Promise<BenchRow[]> {
  const reps = quick ? 3 : 7;
  const gbm = path.join(__dirname, '..', 'bin', 'gbm');
  const cases: Array<[string, string[]]> = [
    ['node -e ""', ['-e', '']],
    ['gbm --help', [gbm, '--help']],
    ['gbm run --help', [gbm, 'run', '--help']],
    ['gbm run --K abc (an input error)', [gbm, 'run', '--K', 'abc']],
  ];
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < reps; r++)
    cases.forEach(([, args], i) => {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, args, { stdio: 'ignore' });
      times[i].push(Number(process.hrtime.bigint() - t) / 1e9);
    });
  const bare = median(times[0]);
  return cases.flatMap(([name], i) =>
    i === 0
      ? [{ what: `${name}, median of ${reps}`, value: bare, unit: 's' }]
      : [
          { what: `${name}, median of ${reps}`, value: median(times[i]), unit: 's' },
          { what: `${name}, over bare node`, value: median(times[i]) - bare, unit: 's' },
        ],
  );
}
