import type * as Danfo from 'danfojs-node';

let loaded: typeof Danfo | null = null;

/**
 * danfojs-node, loaded on first use: loading it takes about 3 s here (it pulls in mathjs, xlsx and request), which
 * every CLI command paid, `gbm --help` included, when it was imported at the top of the results and sweep modules.
 */
export function danfo(): typeof Danfo {
  // required at run time, on first use only (see above)
  loaded ??= require('danfojs-node') as typeof Danfo;
  return loaded;
}
