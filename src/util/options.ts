import { GbmError } from './errors.js';

/** A value an option takes on the command line and in a config file. */
export type OptionValue = string | number | boolean;

/**
 * An option declared beside the component that reads it (a method, a binarizer): its default, help, and the
 * values it accepts. The run's option table, the CLI flags and help, sweeps and results are derived from these.
 */
export interface OptionDecl {
  default: number | string;
  help: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** Numbers: the least value allowed (checked by `resolveDeclared`; omit to leave range checks to the owner). */
  min?: number;
  integer?: boolean;
}

/**
 * Values for declared options, defaults filled in and every value checked; `owner` names the component in errors
 * (e.g. "fetril", "thermometer"), `kind` what it is ("method"). Unknown keys are refused with the list of known ones.
 */
export function resolveDeclared(
  owner: string,
  decls: Record<string, OptionDecl>,
  given: Record<string, unknown> = {},
  kind = '',
): Record<string, number | string> {
  for (const k of Object.keys(given)) {
    if (!(k in decls)) {
      const known = Object.keys(decls);
      throw new GbmError(
        `${kind ? `${kind} ` : ''}${owner} has no option "${k}".`,
        known.length ? `its options are: ${known.join(', ')}.` : 'it takes no options.',
      );
    }
  }
  const out: Record<string, number | string> = {};
  for (const [k, o] of Object.entries(decls)) {
    const v = given[k] ?? o.default;
    if (o.choices) {
      if (!o.choices.includes(String(v))) throw new GbmError(`${owner} option ${k} = "${v}" is not known.`, `use one of: ${o.choices.join(', ')}.`);
      out[k] = String(v);
    } else if (typeof o.default === 'string') {
      out[k] = String(v);
    } else {
      const n = Number(v);
      if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min)) {
        throw new GbmError(
          `${owner} option ${k} = ${v} is out of range.`,
          `use ${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` >= ${o.min}` : ''}.`,
        );
      }
      out[k] = n;
    }
  }
  return out;
}

/** The value at a dotted path of an object (undefined when absent). */
export function getPath(o: unknown, p: string): unknown {
  return p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}

/** Set a value at a dotted path, creating the objects on the way. */
export function setPath(o: Record<string, unknown>, p: string, value: unknown): void {
  const keys = p.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}
