import { describeBackend, initBackend } from '../backend/index.js';
import { useProdMode } from '../backend/tf.js';
import { METHODS } from '../methods/registry.js';
import { DATASETS } from '../data/registry.js';
import { BACKBONES } from '../models/registry.js';
import { asUserError, errorLine } from '../util/errors.js';
import { commandHelp, parseOptions, type Command } from './args.js';
import { featuresCommand } from './features.js';
import { RUN_OPTIONS, runCommand, runGbmCommand } from './run.js';
import { sweepCommand } from './sweep.js';
import { trainCommand } from './train.js';
import { importCommand } from './import.js';
import { workerCommand } from './worker.js';

const startCommand: Command = {
  name: 'start',
  summary:
    'the main job (npm start): the default GBM experiment, TinyImageNet B100 + 5x20, the committed clean ResNet-20 backbone, thermometer p=1, K=8, seed 1993',
  description:
    'Extracts (or loads) the features, runs GBM class-incrementally, prints a table per step and writes\n' +
    'results/<run>/{results.json, steps.csv, accuracy.png, accuracy.svg, accuracy.pdf, memory/}. Same options as `gbm run`.',
  options: RUN_OPTIONS,
  run: runCommand,
};

const infoCommand: Command = {
  name: 'info',
  summary: 'show the tensor backend that would be used, and the datasets and backbones available',
  options: [{ name: 'backend', type: 'string', help: 'backend to try (default: $GBM_BACKEND or auto)' }],
  async run(o) {
    const b = await initBackend((o['backend'] as string | undefined) ?? (process.env.GBM_BACKEND || 'auto'));
    console.log(`backend: ${describeBackend(b)}`);
    console.log('datasets:');
    for (const [k, v] of Object.entries(DATASETS)) console.log(`  ${k.padEnd(14)} ${v.description}`);
    console.log('methods (gbm run --method NAME):');
    for (const [k, v] of Object.entries(METHODS)) console.log(`  ${k.padEnd(14)} ${v.description}`);
    console.log('backbones:');
    for (const [k, v] of Object.entries(BACKBONES)) console.log(`  ${k.padEnd(14)} ${v.description}`);
  },
};

/** Every `gbm` command, by name. */
export const COMMANDS: Command[] = [startCommand, runGbmCommand, sweepCommand, workerCommand, featuresCommand, trainCommand, importCommand, infoCommand];

function mainHelp(): string {
  return [
    'gbm: Generative Binary Memory research kit (class-incremental learning by pseudo-replay from Bernoulli mixtures)',
    '',
    'Usage: gbm <command> [options]      gbm <command> --help',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`),
    '',
    'Environment:',
    '  GBM_DATA_DIR   folder holding datasets and weights (also searched: ./data, ../shared/data)',
    '  GBM_CACHE_DIR  feature cache root (default: ./data/cache)',
    '  GBM_BACKEND    auto | webgpu | tensorflow | wasm | cpu',
    "  GBM_KERNELS    kit (default: the kit's kernels) | stock (tfjs's own, for comparisons)",
    '  GBM_OFFLINE    1 = never download (a missing dataset or weights file is an error saying where to put it)',
  ].join('\n');
}

/** Run the CLI on argv; resolves to the exit code (0 ok, 1 runtime failure, 2 bad input). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(errorLine(new Error(`unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see gbm --help)`)));
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(cmd));
    return 0;
  }
  try {
    // Production mode once tfjs loads (no debug checks, no "running in Node" banner); commands that never compute
    // (help, input errors, sweep --collect) never load it.
    useProdMode();
    await cmd.run(parseOptions(cmd, rest));
    return 0;
  } catch (err) {
    // Known failures (bad input, a full disk, a refused permission, no browser): one line with the fix, exit 2.
    // Anything else is a bug: its first line, then its stack, exit 1.
    const known = asUserError(err);
    if (known) {
      console.error(errorLine(known));
      return 2;
    }
    console.error(errorLine(err));
    if (err instanceof Error && err.stack) console.error(err.stack);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
