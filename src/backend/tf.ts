/** The one tfjs namespace every module imports, so the whole kit shares a single engine. */
import * as tf from '@tensorflow/tfjs';
export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank, LayersModel } from '@tensorflow/tfjs';
