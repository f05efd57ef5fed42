import type { RunConfig } from '../cil/config.js';
import { methodSpec } from '../methods/registry.js';
import { resolveConfig } from '../run/config.js';
import { configFromOptions, findOption, methodOptionNames, optionApplies, runOptions } from '../run/options.js';
import { GbmError } from '../util/errors.js';
import { configHash } from '../util/hash.js';

export { configHash };

/**
 * A grid: option -> the values to try; every combination is one run. Keys are config paths (`memory.em.K`,
 * `binarizer.levels`, `method.options.head`) or the flags of `gbm run` (`K`, `levels`, `head`), which name the
 * same options; checked grids are keyed by flag name, which is also the CSV column.
 */
export type Grid = Record<string, Array<string | number>>;

/** The keys a grid may use: every `gbm run` option that changes the experiment, by flag name and config path. */
export function gridKeys(): string[] {
  return runOptions()
    .filter((o) => o.sweepable)
    .map((o) => (o.path && o.path !== o.name ? `${o.name} (${o.path})` : o.name));
}

/** Parse "K=1,2,4 levels=1,2 binarizer=thermometer,heaviside" (spaces or ';' between keys) into a Grid. */
export function parseGrid(text: string): Grid {
  const grid: Grid = {};
  for (const part of text.split(/[;\s]+/).filter(Boolean)) {
    const m = /^([A-Za-z][\w.-]*)=(.*)$/.exec(part);
    if (!m) throw new GbmError(`grid entry "${part}" is not key=v1,v2,...`, 'write e.g. --grid "K=1,2,4 levels=1,2 seed=1993,1994".');
    grid[m[1]] = m[2].split(',').filter((v) => v !== '');
  }
  return checkGrid(grid);
}

/** Check keys and values against the run options (types included); values come back typed, keys as flag names. */
export function checkGrid(grid: Grid): Grid {
  const keys = Object.keys(grid);
  if (keys.length === 0) throw new GbmError('the grid is empty.', 'give at least one key with values, e.g. --grid "K=1,8".');
  const out: Grid = {};
  for (const k of keys) {
    const spec = findOption(k);
    if (!spec?.sweepable)
      throw new GbmError(`unknown grid key "${k}".`, `grid keys are the options of gbm run (flag or config path): ${gridKeys().join(', ')}.`);
    if (spec.name in out) throw new GbmError(`grid keys "${k}" and "${spec.name}" name the same option.`, 'give it once.');
    const values = grid[k];
    if (!Array.isArray(values) || values.length === 0) throw new GbmError(`grid key "${k}" has no values.`, `give one or more, e.g. ${k}=1.`);
    out[spec.name] = values.map((v) => {
      if (spec.type === 'string') return String(v);
      const n = Number(v);
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n)))
        throw new GbmError(`grid value ${k}=${v} must be ${spec.type === 'int' ? 'an integer' : 'a number'}.`, `fix the grid entry ${k}.`);
      return n;
    });
    if (new Set(out[spec.name].map(String)).size !== out[spec.name].length) throw new GbmError(`grid key "${k}" repeats a value.`, 'list each value once.');
  }
  return out;
}

/** Grids with some keys' values replaced (a study narrowed from the command line: `--study baselines --grid tasks=5`). */
export function overrideGrid(grids: Grid | Grid[], over: Grid): Grid[] {
  const o = checkGrid(over);
  return checkGrids(grids).map((g) => ({ ...g, ...o }));
}

/** A list of grids (alternatives, as scikit-learn's param_grid list), each checked; one grid is a list of one. */
export function checkGrids(grids: Grid | Grid[]): Grid[] {
  const list = Array.isArray(grids) ? grids : [grids];
  if (list.length === 0) throw new GbmError('the list of grids is empty.', 'give at least one grid, e.g. {"K": [1, 8]}.');
  return list.map(checkGrid);
}

/** Every key of a list of grids, in first-seen order (the CSV columns of a sweep). */
export function gridColumns(grids: Grid[]): string[] {
  return [...new Set(grids.flatMap((g) => Object.keys(g)))];
}

export { optionApplies };

/** One run of a sweep: the grid values that apply to it, its full config, and a folder name unique to that config. */
export interface SweepJob {
  id: string;
  point: Record<string, string | number>;
  config: RunConfig;
}

/**
 * Every combination of each grid over the base options, with keys that do not apply to a combination dropped
 * (levels for Heaviside, K for NCM...) and the resulting duplicates merged, across grids too. Every config is
 * checked now.
 */
export function expandGrid(base: Record<string, string | number | boolean | undefined>, grids: Grid | Grid[]): SweepJob[] {
  const jobs = new Map<string, SweepJob>();
  const methodKeys = methodOptionNames();
  for (const grid of checkGrids(grids)) {
    const keys = Object.keys(grid);
    const rec = (i: number, point: Record<string, string | number>) => {
      if (i === keys.length) {
        // Method options of other methods are dropped first (they would be refused), then whatever else does not apply.
        const foreign = (k: string) => methodKeys.has(k);
        const input = configFromOptions({ ...base, ...Object.fromEntries(Object.entries(point).filter(([k]) => !foreign(k))) });
        const method = methodSpec(input.method?.name ?? resolveConfig(input).method.name).name;
        // ... and options the method pins (gbm-k1's K) are its own to set.
        const pins = methodSpec(method).pins ?? {};
        const own = Object.fromEntries(
          Object.entries(point).filter(([k]) => (!foreign(k) || k in methodSpec(method).options) && !(String(findOption(k)?.path) in pins)),
        );
        const full = resolveConfig(configFromOptions({ ...base, ...own }));
        const applied = Object.fromEntries(Object.entries(own).filter(([k]) => optionApplies(k, full)));
        // Resolved again only when a key was dropped (the config then differs).
        const config = Object.keys(applied).length === Object.keys(own).length ? full : resolveConfig(configFromOptions({ ...base, ...applied }));
        const id = configHash(config);
        if (!jobs.has(id)) jobs.set(id, { id, point: applied, config });
        return;
      }
      for (const v of grid[keys[i]]) rec(i + 1, { ...point, [keys[i]]: v });
    };
    rec(0, {});
  }
  return [...jobs.values()];
}
