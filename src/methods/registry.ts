import { GBM_K1_METHOD, GBM_METHOD } from './gbm.js';
import type { MethodSpec } from '../cil/method.js';
import { GbmError } from '../util/errors.js';
import { FECAM_METHOD } from './fecam.js';
import { FETRIL_METHOD } from './fetril.js';
import { FINETUNE_METHOD } from './finetune.js';
import { JOINT_METHOD, JOINT_REAL_METHOD } from './joint.js';
import { REPLAY_BINARY_METHOD, REPLAY_REAL_METHOD } from './latent-replay.js';
import { NCM_METHOD } from './ncm.js';

/** Every method `gbm run --method NAME` can run, GBM first, on the same features, scenario and metrics. */
export const METHODS: Record<string, MethodSpec> = Object.fromEntries([
  GBM_METHOD, GBM_K1_METHOD, FINETUNE_METHOD, JOINT_METHOD, JOINT_REAL_METHOD, NCM_METHOD, REPLAY_BINARY_METHOD, REPLAY_REAL_METHOD, FETRIL_METHOD, FECAM_METHOD,
].map((m) => [m.name, m]));

/** The spec of a method, or an error listing the known ones. */
export function methodSpec(name: string): MethodSpec {
  const m = METHODS[name];
  if (!m) throw new GbmError(`unknown method "${name}".`, `use one of: ${Object.keys(METHODS).join(', ')} (see gbm run --help).`);
  return m;
}

/** A method's options with defaults filled in and every value checked. */
export function resolveMethodOptions(spec: MethodSpec, given: Record<string, unknown> = {}): Record<string, number | string> {
  for (const k of Object.keys(given)) {
    if (!(k in spec.options)) {
      const known = Object.keys(spec.options);
      throw new GbmError(`method ${spec.name} has no option "${k}".`, known.length ? `its options are: ${known.join(', ')}.` : 'it takes no options.');
    }
  }
  const out: Record<string, number | string> = {};
  for (const [k, o] of Object.entries(spec.options)) {
    const v = given[k] ?? o.default;
    if (o.choices) {
      if (!o.choices.includes(String(v))) throw new GbmError(`${spec.name} option ${k} = "${v}" is not known.`, `use one of: ${o.choices.join(', ')}.`);
      out[k] = String(v);
    } else {
      const n = Number(v);
      if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min)) {
        throw new GbmError(`${spec.name} option ${k} = ${v} is out of range.`, `use ${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` >= ${o.min}` : ''}.`);
      }
      out[k] = n;
    }
  }
  return out;
}
