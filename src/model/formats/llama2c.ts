/**
 * llama2.c `.bin` checkpoints (karpathy/llama2.c, legacy "version 0" export).
 *
 * Header: 7 little-endian int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 * seq_len; vocab_size < 0 means an unshared classifier `wcls` at the end. Then float32 tensors in
 * this order (L = n_layers, D = dim, H = hidden_dim, KVD = D·n_kv_heads/n_heads, hs = D/n_heads):
 *   token_embedding_table [V,D], rms_att_weight [L,D], wq [L,D,D], wk [L,KVD,D], wv [L,KVD,D],
 *   wo [L,D,D], rms_ffn_weight [L,D], w1 [L,H,D], w2 [L,D,H], w3 [L,H,D], rms_final_weight [D],
 *   freq_cis_real [seq_len,hs/2], freq_cis_imag [seq_len,hs/2] (skipped: RoPE is recomputed),
 *   wcls [V,D] (only if unshared).
 * Weights are named `layers.{l}.wq` etc. (the [L,...] blocks are split per layer); linear weights
 * keep llama2.c's [out,in] layout, used with `matmulT`.
 */
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../errors.js';
import { plainTensor, type PlainTensor } from '../arch/plain-ops.js';
import type { Shape } from '../arch/shape.js';
import { assertFiniteWeights, type ModelWeights } from '../arch/weights.js';

export interface LlamaConfig {
  readonly dim: number; // D, model width
  readonly hiddenDim: number; // H, SwiGLU hidden width
  readonly nLayers: number; // L
  readonly nHeads: number; // query heads
  readonly nKvHeads: number; // key/value heads (grouped-query attention if < nHeads)
  readonly vocabSize: number; // V
  readonly seqLen: number; // context length
  readonly sharedClassifier: boolean; // LM head tied to token_embedding_table
  readonly normEps: number; // RMSNorm epsilon (llama2.c: 1e-5)
  readonly ropeTheta: number; // RoPE base (llama2.c: 10000)
}

export type LlamaWeights<T> = ModelWeights<LlamaConfig, T>;

export const LLAMA2C_HEADER_BYTES = 28;
const HEADER_FIELDS = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'] as const;

/** Per-layer tensors of the file in order, with their per-layer shape. */
function layerSpecs(c: LlamaConfig): [string, Shape][] {
  const { dim: d, hiddenDim: h } = c;
  const kvd = (d * c.nKvHeads) / c.nHeads;
  return [
    ['rms_att_weight', [d]], ['wq', [d, d]], ['wk', [kvd, d]], ['wv', [kvd, d]], ['wo', [d, d]],
    ['rms_ffn_weight', [d]], ['w1', [h, d]], ['w2', [d, h]], ['w3', [h, d]],
  ];
}

interface Block {
  readonly name: string; // tensor name in the file (for errors) and prefix of the split names
  readonly shape: Shape; // per-item shape
  readonly count: number; // L for per-layer blocks, 1 otherwise
  readonly perLayer: boolean;
  readonly skip: boolean;
}

function fileBlocks(c: LlamaConfig): Block[] {
  const hs = c.dim / c.nHeads;
  const blocks: Block[] = [{ name: 'token_embedding_table', shape: [c.vocabSize, c.dim], count: 1, perLayer: false, skip: false }];
  for (const [name, shape] of layerSpecs(c)) blocks.push({ name, shape, count: c.nLayers, perLayer: true, skip: false });
  blocks.push({ name: 'rms_final_weight', shape: [c.dim], count: 1, perLayer: false, skip: false });
  blocks.push({ name: 'freq_cis_real', shape: [c.seqLen, hs / 2], count: 1, perLayer: false, skip: true });
  blocks.push({ name: 'freq_cis_imag', shape: [c.seqLen, hs / 2], count: 1, perLayer: false, skip: true });
  if (!c.sharedClassifier) blocks.push({ name: 'wcls', shape: [c.vocabSize, c.dim], count: 1, perLayer: false, skip: false });
  return blocks;
}

const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Parses and validates the 28-byte header. */
export function parseLlama2cHeader(bytes: Uint8Array, file: string): LlamaConfig {
  if (bytes.length < LLAMA2C_HEADER_BYTES) {
    throw new ModelFileError('MODEL_ERR_TRUNCATED', file, `${bytes.length} bytes, shorter than the ${LLAMA2C_HEADER_BYTES}-byte header`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, LLAMA2C_HEADER_BYTES);
  const v = HEADER_FIELDS.map((_, i) => dv.getInt32(4 * i, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = v;
  HEADER_FIELDS.forEach((f, i) => {
    const x = f === 'vocab_size' ? Math.abs(v[i]) : v[i];
    if (x <= 0) throw new ModelFileError('MODEL_ERR_HEADER', file, `header field ${f} = ${v[i]} must be positive`);
  });
  const bad = (msg: string): never => {
    throw new ModelFileError('MODEL_ERR_HEADER', file, msg);
  };
  if (dim % nHeads !== 0) bad(`header: dim ${dim} is not a multiple of n_heads ${nHeads}`);
  if (nKvHeads > nHeads || nHeads % nKvHeads !== 0) bad(`header: n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}`);
  if ((dim / nHeads) % 2 !== 0) bad(`header: head size ${dim / nHeads} must be even for RoPE`);
  return {
    dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(rawVocab), seqLen,
    sharedClassifier: rawVocab > 0, normEps: 1e-5, ropeTheta: 10000,
  };
}

/** Expected file size in bytes for a config. */
export function llama2cFileBytes(c: LlamaConfig): number {
  return LLAMA2C_HEADER_BYTES + 4 * fileBlocks(c).reduce((s, b) => s + b.count * prod(b.shape), 0);
}

/** Parses a whole checkpoint held in memory; `file` is used in error messages. */
export function parseLlama2c(bytes: Uint8Array, file: string): LlamaWeights<PlainTensor> {
  const config = parseLlama2cHeader(bytes, file);
  const expected = llama2cFileBytes(config);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, PlainTensor>();
  let off = LLAMA2C_HEADER_BYTES;
  for (const b of fileBlocks(config)) {
    const n = prod(b.shape);
    const end = off + 4 * n * b.count;
    if (end > bytes.length) {
      throw new ModelFileError('MODEL_ERR_TRUNCATED', file,
        `file ends at byte ${bytes.length} but the tensor needs bytes ${off}..${end} (expected file size ${expected} for this header)`, b.name);
    }
    if (!b.skip) {
      for (let l = 0; l < b.count; l++) {
        const name = b.perLayer ? `layers.${l}.${b.name}` : b.name;
        const data = new Float64Array(n);
        const base = off + 4 * n * l;
        for (let i = 0; i < n; i++) data[i] = dv.getFloat32(base + 4 * i, true);
        assertFiniteWeights(file, name, data);
        tensors.set(name, plainTensor(b.shape, data));
      }
    }
    off = end;
  }
  if (bytes.length !== expected) {
    throw new ModelFileError('MODEL_ERR_SIZE', file,
      `${bytes.length - expected} trailing bytes after the last tensor (file has ${bytes.length} bytes, header implies ${expected})`);
  }
  return { config, tensors };
}

/** Reads and validates a llama2.c `.bin` checkpoint from disk. */
export function loadLlama2c(path: string): LlamaWeights<PlainTensor> {
  return parseLlama2c(readFileSync(path), path);
}

/**
 * Serialises weights in llama2.c layout (tests: synthetic checkpoints). freq_cis tables are
 * written as llama2.c's export does (cos/sin of pos·theta^(-2i/hs)).
 */
export function encodeLlama2c(w: LlamaWeights<PlainTensor>): Uint8Array {
  const c = w.config;
  const out = new Uint8Array(llama2cFileBytes(c));
  const dv = new DataView(out.buffer);
  const header = [c.dim, c.hiddenDim, c.nLayers, c.nHeads, c.nKvHeads, c.sharedClassifier ? c.vocabSize : -c.vocabSize, c.seqLen];
  header.forEach((x, i) => dv.setInt32(4 * i, x, true));
  let off = LLAMA2C_HEADER_BYTES;
  const hs = c.dim / c.nHeads;
  for (const b of fileBlocks(c)) {
    for (let l = 0; l < b.count; l++) {
      let data: ArrayLike<number>;
      if (b.name === 'freq_cis_real' || b.name === 'freq_cis_imag') {
        const f = new Float64Array(prod(b.shape));
        for (let p = 0; p < c.seqLen; p++) {
          for (let i = 0; i < hs / 2; i++) {
            const a = p * c.ropeTheta ** (-(2 * i) / hs);
            f[p * (hs / 2) + i] = b.name === 'freq_cis_real' ? Math.cos(a) : Math.sin(a);
          }
        }
        data = f;
      } else {
        const name = b.perLayer ? `layers.${l}.${b.name}` : b.name;
        const t = w.tensors.get(name);
        if (t === undefined) throw new ModelFileError('MODEL_ERR_MISSING', '<encodeLlama2c>', 'missing', name);
        if (t.data.length !== prod(b.shape)) throw new ModelFileError('MODEL_ERR_SHAPE', '<encodeLlama2c>', `expected [${b.shape.join(',')}]`, name);
        data = t.data;
      }
      for (let i = 0; i < data.length; i++) dv.setFloat32(off + 4 * i, data[i], true);
      off += 4 * data.length;
    }
  }
  return out;
}
