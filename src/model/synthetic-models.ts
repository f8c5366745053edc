/**
 * Named synthetic checkpoints for a model owner with nothing downloaded (`share-model --synthetic
 * NAME`): seeded weights at a real shape, generated one tensor at a time when the upload reaches
 * it (GPT-2 base is 1 GB as float64, so never all at once), with the byte tokenizer (ids 3..258
 * are bytes). The text they generate is meaningless; shapes, costs and the whole party flow are
 * real.
 */
import { syntheticModel } from './formats/checkpoint.js';
import { MODEL_SHAPES, modelTensorShapes, syntheticTensor } from './arch/model-shapes.js';

export const SYNTHETIC_MODEL_NAMES = ['llama-tiny', 'gpt2-tiny', 'gpt2-base'] as const;
export type SyntheticModelName = (typeof SYNTHETIC_MODEL_NAMES)[number];

export interface LazyTensor {
  readonly shape: number[];
  /** Makes the values (call once, when needed). */
  readonly data: () => Float64Array;
}

export interface SyntheticCheckpoint {
  readonly arch: 'llama' | 'gpt2';
  readonly config: Record<string, unknown>;
  readonly tensors: Map<string, LazyTensor>;
  readonly summary: string;
  /** Recorded in the public meta so clients use the byte tokenizer. */
  readonly tokenizer: 'bytes';
}

export function syntheticCheckpoint(name: SyntheticModelName, seed = 1): SyntheticCheckpoint {
  if (name === 'llama-tiny') {
    const m = syntheticModel(seed);
    const tensors = new Map([...m.weights.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: () => t.data }]));
    return { arch: 'llama', config: { ...(m.weights.config as object) }, tensors, summary: `llama-tiny: ${m.summary}`, tokenizer: 'bytes' };
  }
  const shape = MODEL_SHAPES[name];
  const tensors = new Map<string, LazyTensor>();
  for (const [k, sh] of modelTensorShapes(shape)) tensors.set(k, { shape: [...sh], data: () => syntheticTensor(k, sh, seed).data });
  return { arch: 'gpt2', config: { ...shape.config }, tensors, summary: `${name} (synthetic, seed ${seed}, byte tokenizer): ${shape.description}`, tokenizer: 'bytes' };
}
