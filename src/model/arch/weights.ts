/**
 * Model weights: a public config plus named tensor handles of type T. Loaders return
 * ModelWeights<C, PlainTensor>; the model owner turns them into shares with `mapWeights`, and the
 * architectures read tensors by their checkpoint names (`h.0.attn.c_attn.weight`, `layers.0.wq`).
 */
import { ModelFileError } from '../errors.js';

export interface ModelWeights<C, T> {
  readonly config: C; // public hyper-parameters
  readonly tensors: ReadonlyMap<string, T>;
}

/** The tensor called `name`; throws ModelFileError(MODEL_ERR_MISSING) naming it otherwise. */
export function tensorOf<C, T>(w: ModelWeights<C, T>, name: string, file = '<weights>'): T {
  const t = w.tensors.get(name);
  if (t === undefined) throw new ModelFileError('MODEL_ERR_MISSING', file, 'missing', name);
  return t;
}

/** Same config, every tensor mapped by `f` (in map order, one at a time). */
export async function mapWeights<C, A, B>(
  w: ModelWeights<C, A>,
  f: (name: string, t: A) => B | Promise<B>,
): Promise<ModelWeights<C, B>> {
  const out = new Map<string, B>();
  for (const [name, t] of w.tensors) out.set(name, await f(name, t));
  return { config: w.config, tensors: out };
}

/** Throws MODEL_ERR_NONFINITE naming file, tensor and the first bad element. */
export function assertFiniteWeights(file: string, tensor: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new ModelFileError('MODEL_ERR_NONFINITE', file, `element ${i} is ${v}`, tensor);
  }
}
