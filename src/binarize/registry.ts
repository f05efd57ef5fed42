import { GbmError } from '../util/errors.js';
import type { BinarizerSpec } from './binarizer.js';
import { HEAVISIDE_BINARIZER } from './heaviside.js';
import { IDENTITY_BINARIZER } from './identity.js';
import { THERMOMETER_BINARIZER } from './thermometer.js';

/** Every binarizer `--binarizer KIND` can fit, by kind: a new one is its own file and one line here. */
export const BINARIZERS: Record<string, BinarizerSpec> = Object.fromEntries(
  [THERMOMETER_BINARIZER, HEAVISIDE_BINARIZER, IDENTITY_BINARIZER].map((b) => [b.kind, b]),
);

/** The spec of a binarizer, or an error listing the known ones. */
export function binarizerSpec(kind: string): BinarizerSpec {
  const b = BINARIZERS[kind];
  if (!b) throw new GbmError(`unknown binarizer "${kind}".`, `use ${Object.keys(BINARIZERS).join(', ')} (none: features that already are bits).`);
  return b;
}
