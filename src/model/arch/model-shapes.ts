/**
 * Named standard model shapes for benchmarks (DESIGN §8): GPT-2 base / medium and BERT-base at
 * their published sizes, plus tiny variants for smoke tests. Cost does not depend on weight values,
 * so a benchmark lists a shape's tensors (`modelTensorShapes`) and fills them with seeded synthetic
 * values (`syntheticTensor` one at a time, or `syntheticWeights` for the whole model).
 *
 * Memory: as float64 PlainTensors GPT-2 base needs ~1.0 GB, GPT-2 medium ~2.8 GB, BERT-base
 * ~0.9 GB; generate and share tensor by tensor when that matters.
 */
import { bertTensorShapes, type BertConfig } from '../formats/bert-checkpoint.js';
import { gpt2TensorShapes, type Gpt2Config } from '../formats/gpt2-checkpoint.js';
import { plainTensor, type PlainTensor } from './plain-ops.js';
import { numel, type Shape } from './shape.js';
import type { ModelWeights } from './weights.js';

export type ModelShape =
  | { readonly name: string; readonly arch: 'gpt2'; readonly config: Gpt2Config; readonly description: string }
  | { readonly name: string; readonly arch: 'bert'; readonly config: BertConfig; readonly description: string };

const gpt2 = (nLayer: number, nEmbd: number, nHead: number, nPositions: number, vocabSize: number): Gpt2Config => ({
  nEmbd, nLayer, nHead, nPositions, vocabSize, nInner: 4 * nEmbd, layerNormEps: 1e-5, activation: 'gelu_new',
});

const bert = (numHiddenLayers: number, hiddenSize: number, numAttentionHeads: number, intermediateSize: number, vocabSize: number, maxPositionEmbeddings: number): BertConfig => ({
  hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings, vocabSize,
  typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: 'gelu',
});

export const MODEL_SHAPES = {
  'gpt2-base': { name: 'gpt2-base', arch: 'gpt2', config: gpt2(12, 768, 12, 1024, 50257), description: 'GPT-2 124M: 12 layers, D 768, 12 heads, ctx 1024, vocab 50257' },
  'gpt2-medium': { name: 'gpt2-medium', arch: 'gpt2', config: gpt2(24, 1024, 16, 1024, 50257), description: 'GPT-2 medium 355M: 24 layers, D 1024, 16 heads, ctx 1024, vocab 50257' },
  'gpt2-tiny': { name: 'gpt2-tiny', arch: 'gpt2', config: gpt2(1, 64, 4, 128, 512), description: 'GPT-2 smoke-test shape: 1 layer, D 64, 4 heads, ctx 128, vocab 512' },
  'bert-base': { name: 'bert-base', arch: 'bert', config: bert(12, 768, 12, 3072, 30522, 512), description: 'BERT-base 110M: 12 layers, D 768, 12 heads, I 3072, vocab 30522, 512 positions' },
  'bert-tiny': { name: 'bert-tiny', arch: 'bert', config: bert(1, 64, 4, 256, 512, 128), description: 'BERT smoke-test shape: 1 layer, D 64, 4 heads, I 256, vocab 512, 128 positions' },
} as const satisfies Record<string, ModelShape>;

export type ModelShapeName = keyof typeof MODEL_SHAPES;

export const MODEL_SHAPE_NAMES = Object.keys(MODEL_SHAPES) as ModelShapeName[];

/** The named shape; throws RangeError listing the known names. */
export function modelShape(name: string): ModelShape {
  if (!Object.hasOwn(MODEL_SHAPES, name)) throw new RangeError(`unknown model shape '${name}' (known: ${MODEL_SHAPE_NAMES.join(', ')})`);
  return MODEL_SHAPES[name as ModelShapeName];
}

/** Every tensor of the shape with its dimensions, in checkpoint order (HF names). */
export function modelTensorShapes(s: ModelShape): Map<string, Shape> {
  return s.arch === 'gpt2' ? gpt2TensorShapes(s.config) : bertTensorShapes(s.config);
}

/** Number of parameters (GPT-2: LM head tied to wte; BERT: encoder without pooler). */
export function parameterCount(s: ModelShape): number {
  let n = 0;
  for (const shape of modelTensorShapes(s).values()) n += numel(shape);
  return n;
}

/**
 * Seeded synthetic values for one tensor, deterministic in (seed, name): LayerNorm gains
 * uniform in 1 ± 0.1, biases ± 0.02, everything else ± 0.5/sqrt(fan-in) (embedding tables ± 0.1),
 * so activations stay in a realistic range at any depth. Values are float32-representable.
 */
export function syntheticTensor(name: string, shape: Shape, seed: number): PlainTensor {
  const r = mulberry32(hashName(name, seed));
  const isNormGain = /(ln_[12f]|LayerNorm)\.weight$/.test(name);
  const isBias = name.endsWith('.bias');
  const isTable = /(wte|wpe|embeddings)\b/.test(name) && name.endsWith('.weight') && !isNormGain;
  const fanIn = shape.length === 2 ? (name.includes('.c_') ? shape[0] : shape[1]) : 1; // Conv1D [in,out] vs Linear [out,in]
  const scale = isNormGain ? 0.1 : isBias ? 0.02 : isTable ? 0.1 : 0.5 / Math.sqrt(fanIn);
  const center = isNormGain ? 1 : 0;
  const t = plainTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.fround(center + scale * (2 * r() - 1));
  return t;
}

/** All tensors of a shape filled by `syntheticTensor` (see the memory note at the top). */
export function syntheticWeights<S extends ModelShape>(s: S, seed: number): ModelWeights<S['config'], PlainTensor> {
  const tensors = new Map<string, PlainTensor>();
  for (const [name, shape] of modelTensorShapes(s)) tensors.set(name, syntheticTensor(name, shape, seed));
  return { config: s.config, tensors };
}

/** FNV-1a of the name, mixed with the seed. */
function hashName(name: string, seed: number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Small deterministic PRNG (mulberry32) for synthetic weights. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
