import type { tf } from '../backend/tf.js';
import type { Pass } from './layers.js';
import type { ParamStore } from './params.js';

/** What defines a trainable network's shape: plain JSON, stored in its checkpoint. */
export interface NetConfig {
  /** Architecture name in NETS, e.g. "resnet20" or "bnn". */
  arch: string;
  /** Square input size (32 or 64). */
  inputSize: number;
  /** Classes of the training head (the base classes). */
  numClasses: number;
  /** Channel multiplier of the architecture (1 = the paper's width). */
  width: number;
  /** BNN only: bits of the binary embedding. */
  bits?: number;
  /**
   * Convolution padding: 'same' (TF's, the kit's own networks: a stride-2 3x3 conv pads 0 before, 1 after) or
   * 'symmetric' (PyTorch's padding = k // 2 on both sides; networks imported from PyTorch). Absent = 'same'.
   */
  padding?: 'same' | 'symmetric';
  /**
   * Input normalisation of a network imported from PyTorch: the kit's [-1, 1] images are mapped to [0, 1] (ToTensor)
   * and then to (x - mean) / std per channel (Normalize), as the network was trained. Absent = [-1, 1] as is.
   */
  inputNorm?: { mean: number[]; std: number[] };
  /** ResNets: stride of the 3x3 stem (default 1, the CIFAR stem); 2 runs a 64x64 input at the cost of 32x32. */
  stemStride?: number;
}

/** A network the kit trains: a feature extractor F plus a linear head used only while training F. */
export interface TrainableNet {
  readonly config: NetConfig;
  readonly params: ParamStore;
  /** Embedding size D of F. */
  readonly featureDim: number;
  /** True when F's embedding is already bits (0/1): GBM then needs no binarizer. */
  readonly binaryEmbedding: boolean;
  /** Class scores of a batch [N, S, S, 3] in [-1, 1]. */
  logits(x: tf.Tensor4D, pass: Pass): tf.Tensor2D;
  /** F's output in the given mode, differentiable (real features; +-1 signs for a binary network). */
  features(x: tf.Tensor4D, pass: Pass): tf.Tensor2D;
  /** F's embedding of a batch (inference mode): real features, or 0/1 bits for a binary network. */
  embed(x: tf.Tensor4D): tf.Tensor2D;
  /** Work after each optimizer step (e.g. clipping a BNN's latent weights). */
  afterStep?(): void;
  /** Bits F occupies when deployed (binary weights 1 bit, real values 32; the training head excluded). */
  deployedBits(): number;
  dispose(): void;
}
