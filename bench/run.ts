/** npm run bench [-- --quick] [name...]: run the kit's benchmarks and print a markdown table for BENCHMARKS.md. */
import os from 'node:os';
import { benchClassifier } from './classifier.js';
import { benchEm } from './em.js';
import { benchFeatures } from './features.js';
import { benchTrain, benchTrainCores } from './train.js';
import { benchEmSafeguards } from './em-safeguards.js';
import { benchQueue } from './queue.js';
import { benchCli } from './cli.js';
import { benchSvm } from './svm.js';
import { benchPeers } from './peers.js';

/** One measured number. */
export interface BenchRow {
  what: string;
  value: number;
  unit: string;
}

const BENCHES: Record<string, (quick: boolean) => Promise<BenchRow[]>> = {
  features: benchFeatures,
  em: benchEm,
  classifier: benchClassifier,
  train: benchTrain,
  'train-cores': benchTrainCores,
  'em-safeguards': benchEmSafeguards,
  queue: benchQueue,
  cli: benchCli,
  svm: benchSvm,
  peers: benchPeers,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    console.error(`gbm bench: unknown benchmark ${unknown.join(', ')}. Fix: use one of ${Object.keys(BENCHES).join(', ')}.`);
    process.exit(2);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `machine: ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(`command: npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\n`);
  for (const name of names.length ? names : Object.keys(BENCHES)) {
    const rows = await BENCHES[name](quick);
    console.log(`\n### ${name}${quick ? ' (quick)' : ''}\n\n| measurement | value |\n|---|---|`);
    const fmt = (v: number) => (Number.isNaN(v) ? '' : Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(1) : v.toFixed(v >= 100 ? 0 : 2));
    for (const r of rows) console.log(`| ${r.what} | ${fmt(r.value)} ${r.unit} |`);
  }
}

void main();
