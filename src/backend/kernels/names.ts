/*
 * The kit's own kernel names, with their inputs and attributes, as tfjs-core's kernel_names.ts declares the stock
 * ones. Ops (backend/ops.ts) call them by name; every backend registers an implementation (kernels/registry.ts):
 * fused WebGPU programs on webgpu, plain tf ops elsewhere, with the same formulas.
 */

/** SGD with momentum and weight decay, one variable: outputs [v', w'], v' = momentum v + g + decay w, w' = w - lr v'. */
export const GbmSgdMomentum = 'GbmSgdMomentum';
export type GbmSgdMomentumInputs = { w: unknown; g: unknown; v: unknown };
export interface GbmSgdMomentumAttrs {
  lr: number;
  momentum: number;
  decay: number;
}

/**
 * Batch-norm training forward over N, H, W of an NHWC tensor: outputs [y, mean, variance] (biased), with
 * y = (x - mean) / sqrt(variance + eps) * gamma + beta.
 */
export const GbmBatchNormTrain = 'GbmBatchNormTrain';
export type GbmBatchNormTrainInputs = { x: unknown; gamma: unknown; beta: unknown };
export interface GbmBatchNormAttrs {
  eps: number;
}

/**
 * Batch-norm training backward: outputs [dx, dgamma, dbeta] from dy and the forward's x, mean, variance, gamma:
 * dbeta = sum(dy), dgamma = sum(dy xhat), dx = gamma / sqrt(variance + eps) (dy - dbeta / n - xhat dgamma / n).
 */
export const GbmBatchNormGrad = 'GbmBatchNormGrad';
export type GbmBatchNormGradInputs = { dy: unknown; x: unknown; mean: unknown; variance: unknown; gamma: unknown };

/** A running average, a * old + b * cur (batch norm's running moments). */
export const GbmEma = 'GbmEma';
export type GbmEmaInputs = { old: unknown; cur: unknown };
export interface GbmEmaAttrs {
  a: number;
  b: number;
}

/** Every kit kernel name: each backend must have all of them (plain tf ops where it has nothing faster). */
export const KIT_KERNEL_NAMES = [GbmSgdMomentum, GbmBatchNormTrain, GbmBatchNormGrad, GbmEma] as const;
