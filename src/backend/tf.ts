/**
 * The one tfjs namespace every module imports, so the whole kit shares a single engine. tfjs is loaded on first
 * use, not at import: a command that never computes (`gbm --help`, an input error, `gbm sweep --collect`) does not
 * pay the second it takes to load.
 */
import type * as TF from '@tensorflow/tfjs';

export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank, LayersModel } from '@tensorflow/tfjs';

let real: typeof TF | null = null;
let prodOnLoad = false;

function load(): typeof TF {
  if (!real) {
    // required at run time, on first use only (see above)
    real = require('@tensorflow/tfjs') as typeof TF;
    if (prodOnLoad) real.enableProdMode();
  }
  return real;
}

/** tfjs itself, loaded when a property is first read (`tf.add`, `tf.Tensor`, ...). */
export const tf: typeof TF = new Proxy({} as typeof TF, {
  get: (_t, key) => load()[key as keyof typeof TF],
  has: (_t, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_t, key) => {
    const d = Object.getOwnPropertyDescriptor(load(), key);
    return d && { ...d, configurable: true };
  },
});

/** The tfjs types the kit names as `tf.X` (type-only, merged with the value above). */
export declare namespace tf {
  type Tensor<R extends TF.Rank = TF.Rank> = TF.Tensor<R>;
  type Tensor1D = TF.Tensor1D;
  type Tensor2D = TF.Tensor2D;
  type Tensor3D = TF.Tensor3D;
  type Tensor4D = TF.Tensor4D;
  type Scalar = TF.Scalar;
  type Variable<R extends TF.Rank = TF.Rank> = TF.Variable<R>;
  type Rank = TF.Rank;
  type TensorInfo = TF.TensorInfo;
  type KernelConfig = TF.KernelConfig;
  type KernelFunc = TF.KernelFunc;
  type Optimizer = TF.Optimizer;
  type NamedTensorMap = TF.NamedTensorMap;
  type NamedAttrMap = TF.NamedAttrMap;
  type GradSaveFunc = TF.GradSaveFunc;
  type SymbolicTensor = TF.SymbolicTensor;
  type LayersModel = TF.LayersModel;
  namespace io {
    type ModelJSON = TF.io.ModelJSON;
    type WeightsManifestEntry = TF.io.WeightsManifestEntry;
  }
  namespace serialization {
    type ConfigDict = TF.serialization.ConfigDict;
  }
}

/** Production mode (no debug checks, no "running in Node" banner) from the moment tfjs loads: the CLI's setting. */
export function useProdMode(): void {
  prodOnLoad = true;
  real?.enableProdMode();
}
