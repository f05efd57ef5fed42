import { tf } from '../backend/tf.js';
import { GbmError } from '../util/errors.js';
import { MT19937 } from '../util/mt19937.js';

let storeCounter = 0;

/** One named tensor of a network: trainable weights, or state such as batch-norm running moments. */
export interface Param {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
  /** Stored as 1 bit per value when the network is deployed (binary weights), else 32. */
  bitsPerValue: 1 | 32;
}

/**
 * The named tensors of a network, created in a fixed order from one seed: the same seed gives the same initial
 * weights on every backend, and checkpoints save and restore them by name.
 */
export class ParamStore {
  readonly params: Param[] = [];
  private readonly rng: MT19937;

  constructor(seed: number) {
    this.rng = new MT19937(seed);
  }

  /** A weight drawn from N(0, std^2) by Box-Muller on the store's seeded stream. */
  normal(name: string, shape: number[], std: number, bitsPerValue: 1 | 32 = 32): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = Math.max(this.rng.random(), 1e-12);
      const u2 = this.rng.random();
      const r = Math.sqrt(-2 * Math.log(u1));
      v[i] = r * Math.cos(2 * Math.PI * u2) * std;
      if (i + 1 < n) v[i + 1] = r * Math.sin(2 * Math.PI * u2) * std;
    }
    return this.add(name, tf.tensor(v, shape), true, bitsPerValue);
  }

  /** A weight or state tensor filled with one value. */
  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    return this.add(name, tf.fill(shape, value), trainable, 32);
  }

  private add(name: string, init: tf.Tensor, trainable: boolean, bitsPerValue: 1 | 32): tf.Variable {
    if (this.params.some((p) => p.name === name)) throw new Error(`duplicate parameter ${name}`);
    // tfjs wants globally unique variable names; ours stay unique per store, the counter makes them global.
    const variable = tf.variable(init, trainable, `${name}#${storeCounter++}`);
    init.dispose();
    this.params.push({ name, variable, trainable, bitsPerValue });
    return variable;
  }

  /** The trainable variables, in creation order (what the optimizer updates). */
  trainable(): tf.Variable[] {
    return this.params.filter((p) => p.trainable).map((p) => p.variable);
  }

  /** Bits the network occupies when deployed: 1 per binary weight, 32 per real value (training-only params excluded by the caller). */
  bits(include: (p: Param) => boolean = () => true): number {
    return this.params.filter(include).reduce((s, p) => s + p.variable.size * p.bitsPerValue, 0);
  }

  /** Copy values in by name, refusing any mismatch of names or shapes (a checkpoint of another architecture). */
  assign(values: Map<string, tf.Tensor>, source: string): void {
    const missing = this.params.filter((p) => !values.has(p.name)).map((p) => p.name);
    const extra = [...values.keys()].filter((k) => !this.params.some((p) => p.name === k));
    if (missing.length || extra.length) {
      throw new GbmError(
        `${source} does not match this architecture: ${missing.length ? `missing ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', ...' : ''}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', ...' : ''}` : ''}.`,
        'load it with the architecture and options it was trained with (see its model.json), or train a new one.',
      );
    }
    for (const p of this.params) {
      const v = values.get(p.name)!;
      if (v.shape.join() !== p.variable.shape.join()) {
        throw new GbmError(
          `${source}: ${p.name} has shape [${v.shape}], this network needs [${p.variable.shape}].`,
          'load it with the same architecture options (width, classes, bits) it was trained with, or train a new one.',
        );
      }
    }
    for (const p of this.params) p.variable.assign(values.get(p.name)!);
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }
}
