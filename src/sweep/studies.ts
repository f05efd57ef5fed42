import fs from 'node:fs';
import path from 'node:path';
import { GbmError } from '../util/errors.js';
import type { OptionValue } from '../util/options.js';
import { PROJECT_ROOT } from '../util/project.js';
import type { Grid } from './grid.js';
import type { SweepSpec } from './sweep.js';

/** Where the experiment files live: one JSON file per reproducible study (PyCIL's exps/*.json). */
export const CONFIGS_DIR = path.join(PROJECT_ROOT, 'configs');

/** A sweep as a study file writes it: options and grids by config path (or flag), anything unnamed at RUN_DEFAULTS. */
export interface SweepDef {
  name: string;
  description?: string;
  /** Why the sweep is as it is (kept with it, shown nowhere else). */
  comment?: string;
  base: Record<string, OptionValue>;
  grid: Grid | Grid[];
}

/**
 * A reproducible study (`configs/<name>.json`, format gbm-study/1): what it shows, the notebook that draws it, the
 * networks it trains, its sweeps (inline, or the name of a sweep another study defines), and the small sweeps
 * the notebook runs in quick mode (CI). `npm run reproduce`, `gbm sweep --study` and the notebooks all read these.
 */
export interface Study {
  name: string;
  description: string;
  notebook: string | null;
  models?: string[];
  /** A single run's options (config paths), for `gbm run --config configs/<name>.json`. */
  run?: Record<string, OptionValue>;
  sweeps: SweepSpec[];
  quick: SweepSpec[];
}

interface StudyFile {
  format: 'gbm-study/1';
  description: string;
  notebook: string | null;
  models?: string[];
  run?: Record<string, OptionValue>;
  sweeps: Array<string | SweepDef>;
  quick: SweepDef[];
}

const toSpec = (d: SweepDef): SweepSpec & { description: string } => ({ name: d.name, description: d.description ?? d.name, base: d.base, grid: d.grid });

/** Every study in a folder of study files, by file name; sweeps named by reference are looked up across the files. */
export function loadStudies(dir = CONFIGS_DIR): Record<string, Study> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const raw = new Map<string, StudyFile>();
  for (const f of files) {
    const file = path.join(dir, f);
    let json: StudyFile;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as StudyFile;
    } catch (e) {
      throw new GbmError(`cannot read study file ${file}: ${(e as Error).message}.`, 'fix its JSON (see configs/README.md for the format).');
    }
    if (json.format !== 'gbm-study/1' || !Array.isArray(json.sweeps) || !Array.isArray(json.quick)) {
      throw new GbmError(
        `${file} is not a study file.`,
        'give it "format": "gbm-study/1", "description", "notebook", "sweeps" and "quick" (see configs/README.md).',
      );
    }
    raw.set(f.replace(/\.json$/, ''), json);
  }
  const inline = new Map<string, SweepDef>();
  for (const [name, s] of raw) {
    for (const d of [...s.sweeps, ...s.quick]) {
      if (typeof d === 'string') continue;
      if (inline.has(d.name))
        throw new GbmError(`sweep "${d.name}" is defined twice (again in configs/${name}.json).`, 'define it once and name it elsewhere by its name.');
      inline.set(d.name, d);
    }
  }
  const out: Record<string, Study> = {};
  for (const [name, s] of raw) {
    const sweeps = s.sweeps.map((d) => {
      const def = typeof d === 'string' ? inline.get(d) : d;
      if (!def)
        throw new GbmError(
          `configs/${name}.json names sweep "${d}", which no study file defines.`,
          `define it inline, or use one of: ${[...inline.keys()].join(', ')}.`,
        );
      return toSpec(def);
    });
    out[name] = { name, description: s.description, notebook: s.notebook, models: s.models, run: s.run, sweeps, quick: s.quick.map(toSpec) };
  }
  return out;
}

/** Every study of configs/, by name. */
export const STUDY_FILES: Record<string, Study> = loadStudies();

/**
 * Every full sweep the studies define, by sweep name (`gbm sweep --study NAME`, notebooks 04-07, `npm run
 * reproduce`): options named by config path, anything not named keeps RUN_DEFAULTS.
 */
export const STUDIES: Record<string, SweepSpec & { description: string }> = Object.fromEntries(
  Object.values(STUDY_FILES).flatMap((s) => s.sweeps.map((sw) => [sw.name, sw as SweepSpec & { description: string }])),
);

/** The sweeps of a study: its full sweeps, or in quick mode (CI, a first look) its small ones. */
export function studySweeps(name: string, quick: boolean): SweepSpec[] {
  const s = STUDY_FILES[name];
  if (!s) throw new GbmError(`unknown study "${name}".`, `use one of: ${Object.keys(STUDY_FILES).join(', ')} (files in configs/).`);
  return quick ? s.quick : s.sweeps;
}
