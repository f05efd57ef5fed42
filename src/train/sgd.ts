import { tf } from '../backend/tf.js';
import { sgdMomentumStep } from '../backend/ops.js';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** SGD with momentum and weight decay in the update (see sgdMomentum), with a learning rate schedules can change. */
export interface SgdMomentum extends tf.Optimizer {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** Change the learning rate between steps (schedules); nothing is recompiled or reallocated. */
  setLearningRate(lr: number): void;
}

let SgdMomentumClass: (new (lr: number, momentum: number, weightDecay: number) => SgdMomentum) | null = null;

/**
 * SGD with momentum and L2 weight decay folded into the update, as PyTorch's SGD does it (v = m v + g + wd w;
 * w -= lr v): the same minimiser as adding wd/2 |w|^2 to the loss, without the ~6 extra ops per variable that the
 * penalty costs in the forward and backward pass. One kit kernel per variable (backend/ops.ts): fused on WebGPU.
 * Its state has tfjs's MomentumOptimizer layout (iterations, then `<variable>/momentum`), so checkpoints carry over.
 */
export function sgdMomentum(learningRate: number, momentum: number, weightDecay: number): SgdMomentum {
  // The class extends tf.Optimizer, so it is defined on first use: importing this module does not load tfjs.
  SgdMomentumClass ??= defineSgdMomentum();
  return new SgdMomentumClass(learningRate, momentum, weightDecay);
}

function defineSgdMomentum() {
  return class SgdMomentumOptimizer extends tf.Optimizer implements SgdMomentum {
    static get className(): string {
      return 'GbmSgdMomentum';
    }

    private accumulations: { originalName: string; variable: tf.Variable }[] = [];

    constructor(
      public learningRate: number,
      public momentum: number,
      public weightDecay: number,
    ) {
      super();
    }

    /** Change the learning rate between steps (schedules); nothing is recompiled or reallocated. */
    setLearningRate(lr: number): void {
      this.learningRate = lr;
    }

    override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
      const names = Array.isArray(variableGradients) ? variableGradients.map((item) => item.name) : Object.keys(variableGradients);
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        this.accumulations[i] ??= { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const acc = this.accumulations[i].variable;
        tf.tidy(() => {
          const [v, w] = sgdMomentumStep(value, gradient, acc, { lr: this.learningRate, momentum: this.momentum, decay: this.weightDecay });
          acc.assign(v);
          value.assign(w);
        });
      });
      this.incrementIterations();
    }

    override dispose(): void {
      tf.dispose(this.accumulations.map((a) => a.variable));
      this.accumulations = [];
    }

    override async getWeights(): Promise<NamedTensor[]> {
      return [await this.saveIterations(), ...this.accumulations.map((a) => ({ name: a.originalName, tensor: a.variable }))];
    }

    override async setWeights(weightValues: NamedTensor[]): Promise<void> {
      const rest = await this.extractIterations(weightValues);
      tf.dispose(this.accumulations.map((a) => a.variable));
      this.accumulations = rest.map((w) => ({ originalName: w.name, variable: w.tensor.variable(false) }));
    }

    getConfig(): tf.serialization.ConfigDict {
      return { learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay };
    }
  };
}
