import { quickMode } from './display.js';

/** A notebook's parameters: the values of a full run, with `quick` telling which set is in force. */
export type NotebookParams<T> = T & { quick: boolean };

/** T, but not a place TypeScript infers T from (the built-in NoInfer needs TypeScript 5.4; tslab compiles with 5.0). */
type Later<T> = [T][T extends unknown ? 0 : never];

/**
 * The parameters cell of a notebook: the full run's values, the quick run's changes (CI, `GBM_QUICK=1`), and any
 * override a user passes as JSON in GBM_PARAMS (e.g. `GBM_PARAMS='{"seeds":[1993]}' npm run notebooks -- 04`),
 * checked against the names the notebook declares. Prints what is in force, so a stored notebook records it.
 */
export function notebookParams<T extends object>(full: T, quick: Partial<Later<T>> = {}, env = process.env.GBM_PARAMS): NotebookParams<T> {
  const isQuick = quickMode();
  let override: Record<string, unknown> = {};
  if (env) {
    try {
      override = JSON.parse(env) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`GBM_PARAMS is not JSON (${(e as Error).message}). Fix: pass an object, e.g. GBM_PARAMS='{"seeds":[1993]}'.`);
    }
    const unknown = Object.keys(override).filter((k) => !(k in full));
    if (unknown.length)
      throw new Error(`GBM_PARAMS names ${unknown.join(', ')}, which this notebook does not have. Fix: use its parameters: ${Object.keys(full).join(', ')}.`);
  }
  const p = { ...full, ...(isQuick ? quick : {}), ...override, quick: isQuick } as NotebookParams<T>;
  const shown = Object.entries(p)
    .filter(([k]) => k !== 'quick')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  console.log(`parameters (${isQuick ? 'quick' : 'full'}${env ? ', GBM_PARAMS' : ''}): ${shown}`);
  return p;
}
