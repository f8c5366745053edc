/** Shared test helpers: the ../shared/models location and seeded synthetic checkpoints. */
import { mulberry32 } from '../../src/model/arch/model-shapes.js';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertTensorShapes, type BertConfig, type BertWeights } from '../../src/model/formats/bert-checkpoint.js';
import type { Gpt2Config, Gpt2Weights } from '../../src/model/formats/gpt2-checkpoint.js';
import { gpt2TensorShapes } from '../../src/model/formats/gpt2-checkpoint.js';
import type { LlamaConfig, LlamaWeights } from '../../src/model/formats/llama2c.js';
import { plainTensor, type PlainTensor } from '../../src/model/arch/plain-ops.js';
import type { Shape } from '../../src/model/arch/shape.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared/models beside the repo; TRIFORM_MODELS_DIR overrides it (e.g. to test the skip path). */
export const MODELS_DIR = process.env.TRIFORM_MODELS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'models');

/** Path of a file under ../shared/models, or undefined (with a printed warning) if absent. */
export function sharedModelFile(rel: string): string | undefined {
  const p = join(MODELS_DIR, rel);
  if (existsSync(p)) return p;
  console.warn(`[tests/model] SKIPPING tests that need ${p}: file not found (see README.md, "Models for tests")`);
  return undefined;
}

/** Small deterministic PRNG (mulberry32) for synthetic weights. */
export const rng = mulberry32;

/** Tensor of uniform values in center ± scale. */
export function randTensor(r: () => number, shape: Shape, scale: number, center = 0): PlainTensor {
  const t = plainTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = center + scale * (2 * r() - 1);
  return t;
}

/** Values representable in float32, so a checkpoint written as F32 loads back bit-identical. */
export function toF32Values(t: PlainTensor): PlainTensor {
  return plainTensor(t.shape, Float64Array.from(Float32Array.from(t.data)));
}

export function syntheticLlama(c: LlamaConfig, seed: number): LlamaWeights<PlainTensor> {
  const r = rng(seed);
  const d = c.dim;
  const kvd = (d / c.nHeads) * c.nKvHeads;
  const tensors = new Map<string, PlainTensor>();
  const put = (name: string, shape: Shape, scale: number, center = 0): void => {
    tensors.set(name, toF32Values(randTensor(r, shape, scale, center)));
  };
  put('token_embedding_table', [c.vocabSize, d], 0.5);
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}.`;
    put(p + 'rms_att_weight', [d], 0.2, 1);
    put(p + 'wq', [d, d], 0.3);
    put(p + 'wk', [kvd, d], 0.3);
    put(p + 'wv', [kvd, d], 0.3);
    put(p + 'wo', [d, d], 0.2);
    put(p + 'rms_ffn_weight', [d], 0.2, 1);
    put(p + 'w1', [c.hiddenDim, d], 0.3);
    put(p + 'w2', [d, c.hiddenDim], 0.2);
    put(p + 'w3', [c.hiddenDim, d], 0.3);
  }
  put('rms_final_weight', [d], 0.2, 1);
  if (!c.sharedClassifier) put('wcls', [c.vocabSize, d], 0.5);
  return { config: c, tensors };
}

export const TINY_LLAMA: LlamaConfig = {
  dim: 32, hiddenDim: 48, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 40, seqLen: 24,
  sharedClassifier: false, normEps: 1e-5, ropeTheta: 10000,
};

export const TINY_GPT2: Gpt2Config = {
  nEmbd: 32, nLayer: 2, nHead: 4, nPositions: 64, vocabSize: 300, nInner: 128, layerNormEps: 1e-5, activation: 'gelu_new',
};

export function syntheticGpt2(c: Gpt2Config, seed: number): Gpt2Weights<PlainTensor> {
  const r = rng(seed);
  const tensors = new Map<string, PlainTensor>();
  for (const [name, shape] of gpt2TensorShapes(c)) {
    const isLnWeight = /ln_[12f]\.weight$/.test(name);
    const isBias = name.endsWith('.bias');
    const scale = isLnWeight ? 0.2 : isBias ? 0.1 : name.startsWith('w') ? 0.5 : 0.3;
    tensors.set(name, toF32Values(randTensor(r, shape, scale, isLnWeight ? 1 : 0)));
  }
  return { config: c, tensors };
}

export const TINY_BERT: BertConfig = {
  hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 24,
  vocabSize: 60, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: 'gelu',
};

/** Seeded synthetic BERT encoder weights (HF names, torch [out,in] Linear layout), float32 values. */
export function syntheticBert(c: BertConfig, seed: number): BertWeights<PlainTensor> {
  const r = rng(seed);
  const tensors = new Map<string, PlainTensor>();
  for (const [name, shape] of bertTensorShapes(c)) {
    const isLnWeight = name.endsWith('LayerNorm.weight');
    const isBias = name.endsWith('.bias');
    const scale = isLnWeight ? 0.2 : isBias ? 0.1 : name.startsWith('embeddings.') ? 0.5 : 0.3;
    tensors.set(name, toF32Values(randTensor(r, shape, scale, isLnWeight ? 1 : 0)));
  }
  return { config: c, tensors };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Wraps an Ops backend, recording the name of every async op and failing if two ops are ever in
 * flight at once (the model must await each op before issuing the next).
 */
export function recordingOps<T>(inner: import('../../src/model/arch/ops.js').Ops<T>): {
  ops: import('../../src/model/arch/ops.js').Ops<T>;
  calls: string[];
} {
  const calls: string[] = [];
  let inFlight = 0;
  const sync = new Set(['scope', 'shape', 'reshape', 'transpose', 'sliceRows', 'concatRows', 'takeCols']);
  const ops = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || sync.has(prop)) return typeof v === 'function' ? v.bind(target) : v;
      return async (...args: unknown[]) => {
        if (inFlight > 0) throw new Error(`op ${prop} issued while another op is in flight`);
        inFlight++;
        calls.push(prop);
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          inFlight--;
        }
      };
    },
  });
  return { ops, calls };
}
