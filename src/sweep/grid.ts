import { METHODS, methodSpec } from '../methods/registry.js';
import { resolveConfig } from '../run/config.js';
import type { RunConfig } from '../cil/config.js';
import { configFromOptions, RUN_OPTIONS } from '../cli/run.js';
import { configHash } from '../util/hash.js';

export { configHash };
import { GbmError } from '../util/errors.js';

/** A grid: run option name (as `gbm run` spells it) -> the values to try. Every combination is one run. */
export type Grid = Record<string, Array<string | number>>;

/** Options that name files or outputs, not the experiment, and --seeds (a grid sweeps `seed`): they cannot be swept. */
const NOT_SWEEPABLE = new Set(['config', 'results', 'no-figure', 'root', 'seeds']);

/** The keys a grid may use: every `gbm run` option that changes the experiment. */
export function gridKeys(): string[] {
  return RUN_OPTIONS.filter((o) => !NOT_SWEEPABLE.has(o.name)).map((o) => o.name);
}

/** Parse "K=1,2,4 levels=1,2 binarizer=thermometer,heaviside" (spaces or ';' between keys) into a Grid. */
export function parseGrid(text: string): Grid {
  const grid: Grid = {};
  for (const part of text.split(/[;\s]+/).filter(Boolean)) {
    const m = /^([A-Za-z][\w-]*)=(.*)$/.exec(part);
    if (!m) throw new GbmError(`grid entry "${part}" is not key=v1,v2,...`, 'write e.g. --grid "K=1,2,4 levels=1,2 seed=1993,1994".');
    grid[m[1]] = m[2].split(',').filter((v) => v !== '');
  }
  return checkGrid(grid);
}

/** Check keys and values against the run options (types included); values come back typed. */
export function checkGrid(grid: Grid): Grid {
  const keys = Object.keys(grid);
  if (keys.length === 0) throw new GbmError('the grid is empty.', 'give at least one key with values, e.g. --grid "K=1,8".');
  const out: Grid = {};
  for (const k of keys) {
    const spec = RUN_OPTIONS.find((o) => o.name === k);
    if (!spec || NOT_SWEEPABLE.has(k)) throw new GbmError(`unknown grid key "${k}".`, `grid keys are the options of gbm run: ${gridKeys().join(', ')}.`);
    const values = grid[k];
    if (!Array.isArray(values) || values.length === 0) throw new GbmError(`grid key "${k}" has no values.`, `give one or more, e.g. ${k}=${spec.default ?? 1}.`);
    out[k] = values.map((v) => {
      if (spec.type === 'string') return String(v);
      const n = Number(v);
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) throw new GbmError(`grid value ${k}=${v} must be ${spec.type === 'int' ? 'an integer' : 'a number'}.`, `fix the grid entry ${k}.`);
      return n;
    });
    if (new Set(out[k].map(String)).size !== out[k].length) throw new GbmError(`grid key "${k}" repeats a value.`, 'list each value once.');
  }
  return out;
}

/** Names of every method's own options. */
const METHOD_OPTION_KEYS = new Set(Object.values(METHODS).flatMap((m) => Object.keys(m.options)));

/** Whether a run option matters for a config (e.g. levels only for the thermometer, K only for GBM). */
export function optionApplies(key: string, c: RunConfig): boolean {
  const spec = methodSpec(c.method.name);
  const codes = spec.input === 'codes';
  if (key in spec.options) return true;
  if (METHOD_OPTION_KEYS.has(key)) return false;
  if (['levels', 'percentile', 'scope'].includes(key)) return codes && c.binarizer.kind === 'thermometer';
  if (key === 'bits') return codes && c.binarizer.kind === 'heaviside';
  if (key === 'binarizer') return codes;
  if (key === 'K') return spec.usesBmm && c.method.name !== 'gbm-k1';
  if (['mu-bits', 'em-iters', 'em-tol', 'em-reseed'].includes(key)) return spec.usesBmm;
  if (['epochs', 'batch-size', 'lr', 'optimizer', 'per-task'].includes(key)) return spec.usesClassifier;
  return true;
}

/** One run of a sweep: the grid values that apply to it, its full config, and a folder name unique to that config. */
export interface SweepJob {
  id: string;
  point: Record<string, string | number>;
  config: RunConfig;
}


/**
 * Every combination of the grid over the base options, with keys that do not apply to a combination dropped
 * (levels for Heaviside, K for NCM...) and the resulting duplicates merged. Every config is checked now.
 */
export function expandGrid(base: Record<string, string | number | boolean | undefined>, grid: Grid): SweepJob[] {
  const keys = Object.keys(checkGrid(grid));
  const jobs = new Map<string, SweepJob>();
  const rec = (i: number, point: Record<string, string | number>) => {
    if (i === keys.length) {
      // Method options of other methods are dropped first (they would be refused), then whatever else does not apply.
      const foreign = (k: string) => METHOD_OPTION_KEYS.has(k);
      const method = resolveConfig(configFromOptions({ ...base, ...Object.fromEntries(Object.entries(point).filter(([k]) => !foreign(k))) })).method.name;
      const own = Object.fromEntries(Object.entries(point).filter(([k]) => !foreign(k) || k in methodSpec(method).options));
      const full = resolveConfig(configFromOptions({ ...base, ...own }));
      const applied = Object.fromEntries(Object.entries(own).filter(([k]) => optionApplies(k, full)));
      const config = resolveConfig(configFromOptions({ ...base, ...applied }));
      const id = configHash(config);
      if (!jobs.has(id)) jobs.set(id, { id, point: applied, config });
      return;
    }
    for (const v of grid[keys[i]]) rec(i + 1, { ...point, [keys[i]]: v });
  };
  rec(0, {});
  return [...jobs.values()];
}
