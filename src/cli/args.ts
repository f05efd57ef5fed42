import { GbmError } from '../util/errors.js';

/** One command-line option: its flag, type, default and help line. */
export interface OptionSpec {
  name: string;
  type: 'string' | 'int' | 'number' | 'boolean';
  help: string;
  default?: string | number | boolean;
}

/** A CLI command: its options live beside the code that reads them. */
export interface Command {
  name: string;
  summary: string;
  /** Longer text shown by `gbm <command> --help`. */
  description?: string;
  options: OptionSpec[];
  /** One positional argument (e.g. the checkpoint of `gbm import-backbone FILE`), stored under its name. */
  positional?: { name: string; help: string };
  run(opts: Record<string, string | number | boolean | undefined>): Promise<void>;
}

/** Parse `--name value`, `--name=value` and `--flag` against a command's options; unknown ones are errors. */
export function parseOptions(cmd: Command, argv: string[]): Record<string, string | number | boolean | undefined> {
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const o of cmd.options) out[o.name] = o.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (cmd.positional && out[cmd.positional.name] === undefined) {
        out[cmd.positional.name] = arg;
        continue;
      }
      throw new GbmError(`unexpected argument "${arg}" for \`gbm ${cmd.name}\`.`, `see \`gbm ${cmd.name} --help\`.`);
    }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const spec = cmd.options.find((o) => o.name === flag);
    if (!spec) throw new GbmError(`unknown option --${flag} for \`gbm ${cmd.name}\`.`, `see \`gbm ${cmd.name} --help\` for its options.`);
    if (spec.type === 'boolean') {
      out[flag] = inline === undefined ? true : !['0', 'false', 'no'].includes(inline);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new GbmError(`option --${flag} needs a value.`, `pass --${flag} <${spec.type}>.`);
    if (spec.type === 'string') out[flag] = value;
    else {
      const n = Number(value);
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
        throw new GbmError(
          `option --${flag} must be ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${value}".`,
          `pass e.g. --${flag} ${spec.default ?? 1}.`,
        );
      }
      out[flag] = n;
    }
  }
  return out;
}

/** The help text of one command: summary, description, then every option with its default. */
export function commandHelp(cmd: Command): string {
  const lines = [`gbm ${cmd.name}${cmd.positional ? ` <${cmd.positional.name}>` : ''}: ${cmd.summary}`, ''];
  if (cmd.description) lines.push(cmd.description, '');
  if (cmd.positional) lines.push(`  <${cmd.positional.name}>  ${cmd.positional.help}`, '');
  lines.push('Options:');
  const width = Math.max(...cmd.options.map((o) => o.name.length + o.type.length + 5), 12);
  for (const o of cmd.options) {
    const left = `  --${o.name}${o.type === 'boolean' ? '' : ` <${o.type}>`}`;
    lines.push(`${left.padEnd(width + 2)} ${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`);
  }
  return lines.join('\n');
}
