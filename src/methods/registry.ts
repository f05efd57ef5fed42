import { GBM_K1_METHOD, GBM_METHOD } from './gbm.js';
import type { MethodSpec } from '../cil/method.js';
import { GbmError } from '../util/errors.js';
import { resolveDeclared } from '../util/options.js';
import { FECAM_METHOD } from './fecam.js';
import { FETRIL_METHOD } from './fetril.js';
import { FINETUNE_METHOD } from './finetune.js';
import { JOINT_METHOD, JOINT_REAL_METHOD } from './joint.js';
import { REPLAY_BINARY_METHOD, REPLAY_REAL_METHOD } from './latent-replay.js';
import { NCM_METHOD } from './ncm.js';

/** Every method `gbm run --method NAME` can run, GBM first, on the same features, scenario and metrics. */
export const METHODS: Record<string, MethodSpec> = Object.fromEntries(
  [
    GBM_METHOD,
    GBM_K1_METHOD,
    FINETUNE_METHOD,
    JOINT_METHOD,
    JOINT_REAL_METHOD,
    NCM_METHOD,
    REPLAY_BINARY_METHOD,
    REPLAY_REAL_METHOD,
    FETRIL_METHOD,
    FECAM_METHOD,
  ].map((m) => [m.name, m]),
);

/** The spec of a method, or an error listing the known ones. */
export function methodSpec(name: string): MethodSpec {
  const m = METHODS[name];
  if (!m) throw new GbmError(`unknown method "${name}".`, `use one of: ${Object.keys(METHODS).join(', ')} (see gbm run --help).`);
  return m;
}

/** A method's options with defaults filled in and every value checked. */
export function resolveMethodOptions(spec: MethodSpec, given: Record<string, unknown> = {}): Record<string, number | string> {
  return resolveDeclared(spec.name, spec.options, given, 'method');
}
