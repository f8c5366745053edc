/**
 * One entry point for "a model on disk": find it (--model, TRIFORM_MODEL, the models cache
 * folder), recognise its format (llama2.c `.bin` or a Hugging Face GPT-2 directory), load the
 * weights and the tokenizer beside it. When nothing is on disk, a seeded synthetic LLaMA stands
 * in: its text is meaningless, its shapes and costs are real.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { CausalLM } from '../arch/causal-lm.js';
import { loadGpt2Checkpoint, type Gpt2Config } from './gpt2-checkpoint.js';
import { Gpt2 } from '../arch/gpt2.js';
import { Gpt2Tokenizer } from '../tokenizers/gpt2-tokenizer.js';
import { Llama } from '../arch/llama.js';
import { loadLlama2c, type LlamaConfig } from './llama2c.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c-tokenizer.js';
import type { Ops } from '../arch/ops.js';
import { plainTensor, type PlainTensor } from '../arch/plain-ops.js';
import type { ModelWeights } from '../arch/weights.js';

export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export type ModelFactoryAny = <T>(ops: Ops<T>, weights: ModelWeights<unknown, T>) => CausalLM<T>;

export interface LoadedModel {
  readonly arch: 'llama' | 'gpt2';
  /** Where it came from, or 'synthetic'. */
  readonly source: string;
  readonly synthetic: boolean;
  readonly weights: ModelWeights<unknown, PlainTensor>;
  readonly tokenizer: TextTokenizer;
  readonly create: ModelFactoryAny;
  readonly stopTokens: number[];
  readonly summary: string;
}

/** Where cached checkpoints live: $TRIFORM_CACHE, else $XDG_CACHE_HOME/triform/models, else ~/.cache/triform/models. */
export function modelsCacheDir(): string {
  if (process.env.TRIFORM_CACHE) return resolve(process.env.TRIFORM_CACHE);
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'triform', 'models');
}

/** The checkpoint to use: --model, else TRIFORM_MODEL, else stories260K in the cache folder; undefined if none. */
export function resolveModelPath(cli?: string): string | undefined {
  if (cli) return resolve(cli);
  if (process.env.TRIFORM_MODEL) return resolve(process.env.TRIFORM_MODEL);
  const cached = join(modelsCacheDir(), 'stories260K', 'stories260K.bin');
  return existsSync(cached) ? cached : undefined;
}

export const HOW_TO_GET_STORIES260K = [
  'No checkpoint found. `npm run get-model` downloads stories260K (karpathy/tinyllamas, 1 MB, MIT) into',
  `  ${join(modelsCacheDir(), 'stories260K')}/`,
  'or pass --model PATH (a llama2.c .bin or a Hugging Face GPT-2 directory), or set TRIFORM_MODEL.',
].join('\n');

function llamaTokenizerBeside(bin: string, vocab: number): string | undefined {
  const dir = dirname(bin);
  for (const name of ['tok512.bin', 'tokenizer.bin', `tok${vocab}.bin`]) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

export interface CheckpointWeights {
  readonly arch: 'llama' | 'gpt2';
  readonly weights: ModelWeights<unknown, PlainTensor>;
  readonly summary: string;
}

/** Weights of a llama2.c `.bin` or a Hugging Face GPT-2 directory (format by path). */
export function loadCheckpointWeights(path: string): CheckpointWeights {
  if (!existsSync(path)) throw new Error(`model not found: ${path} does not exist`);
  if (statSync(path).isDirectory()) {
    const w = loadGpt2Checkpoint(path);
    const c = w.config;
    return {
      arch: 'gpt2',
      weights: w as ModelWeights<unknown, PlainTensor>,
      summary: `GPT-2 ${basename(path)}: ${c.nLayer} layers, width ${c.nEmbd}, ${c.nHead} heads, vocab ${c.vocabSize}, context ${c.nPositions}`,
    };
  }
  const w = loadLlama2c(path);
  const c = w.config;
  return {
    arch: 'llama',
    weights: w as ModelWeights<unknown, PlainTensor>,
    summary: `LLaMA ${basename(path)}: ${c.nLayers} layers, width ${c.dim}, ${c.nHeads} heads (${c.nKvHeads} KV), vocab ${c.vocabSize}, context ${c.seqLen}`,
  };
}

/** The architecture's constructor for a given arch name. */
export function modelFactory(arch: 'llama' | 'gpt2'): ModelFactoryAny {
  return arch === 'llama'
    ? (ops, weights) => new Llama(ops, weights as ModelWeights<LlamaConfig, never>)
    : (ops, weights) => new Gpt2(ops, weights as ModelWeights<Gpt2Config, never>);
}

/** The tokenizer for a checkpoint: `tokenizerPath`, else the tokenizer file(s) beside the model. */
export function loadTokenizer(arch: 'llama' | 'gpt2', modelPath: string, vocabSize: number, tokenizerPath?: string): TextTokenizer {
  if (arch === 'gpt2') return Gpt2Tokenizer.fromDir(tokenizerPath ?? modelPath);
  const tp = tokenizerPath ?? llamaTokenizerBeside(modelPath, vocabSize);
  if (!tp) throw new Error(`no tokenizer beside ${modelPath} (looked for tok512.bin, tokenizer.bin); pass --tokenizer PATH`);
  const tok = Llama2cTokenizer.load(tp, vocabSize);
  return { encode: (t) => tok.encode(t, { bos: true }), decode: (ids) => tok.decode(ids) };
}

/** Load a checkpoint and its tokenizer (default: the tokenizer file beside the model). */
export function loadModel(path: string, tokenizerPath?: string): LoadedModel {
  const { arch, weights, summary } = loadCheckpointWeights(path);
  const vocab = (weights.config as { vocabSize: number }).vocabSize;
  return {
    arch,
    source: path,
    synthetic: false,
    weights,
    tokenizer: loadTokenizer(arch, path, vocab, tokenizerPath),
    create: modelFactory(arch),
    stopTokens: arch === 'gpt2' ? [50256] : [1, 2],
    summary,
  };
}

/** Byte tokenizer for the synthetic model: ids 3.. are bytes, 1 = BOS. */
export const byteTokenizer: TextTokenizer = {
  encode: (text) => [1, ...Array.from(new TextEncoder().encode(text), (b) => b + 3)],
  decode: (ids) => new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(ids.filter((t) => t >= 3), (t) => t - 3)),
};

/** A seeded synthetic LLaMA with stories260K's shapes (vocab 259: bytes + 3 specials). */
export function syntheticModel(seed = 1): LoadedModel {
  const c: LlamaConfig = { dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 259, seqLen: 512, sharedClassifier: true, normEps: 1e-5, ropeTheta: 10000 };
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const t = (shape: number[], scale: number, center = 0) => plainTensor(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => center + scale * (2 * rnd() - 1)));
  const hs = c.dim / c.nHeads;
  const kvd = hs * c.nKvHeads;
  const tensors = new Map<string, PlainTensor>();
  tensors.set('token_embedding_table', t([c.vocabSize, c.dim], 0.5));
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}.`;
    tensors.set(p + 'rms_att_weight', t([c.dim], 0.1, 1));
    tensors.set(p + 'wq', t([c.dim, c.dim], 0.2));
    tensors.set(p + 'wk', t([kvd, c.dim], 0.2));
    tensors.set(p + 'wv', t([kvd, c.dim], 0.2));
    tensors.set(p + 'wo', t([c.dim, c.dim], 0.2));
    tensors.set(p + 'rms_ffn_weight', t([c.dim], 0.1, 1));
    tensors.set(p + 'w1', t([c.hiddenDim, c.dim], 0.2));
    tensors.set(p + 'w2', t([c.dim, c.hiddenDim], 0.2));
    tensors.set(p + 'w3', t([c.hiddenDim, c.dim], 0.2));
  }
  tensors.set('rms_final_weight', t([c.dim], 0.1, 1));
  return {
    arch: 'llama',
    source: 'synthetic',
    synthetic: true,
    weights: { config: c, tensors } as ModelWeights<unknown, PlainTensor>,
    tokenizer: byteTokenizer,
    create: modelFactory('llama'),
    stopTokens: [],
    summary: `synthetic LLaMA (seed ${seed}, stories260K shapes, byte vocabulary 259): its text is meaningless, its costs are real`,
  };
}
