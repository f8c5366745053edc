/**
 * Hugging Face BERT checkpoint directory: config.json + model.safetensors (or a sharded
 * model.safetensors.index.json). Tensor names follow HF BertModel (`embeddings.word_embeddings.weight`,
 * `encoder.layer.0.attention.self.query.weight`, ...); a "bert." prefix (BertForMaskedLM & co.) is
 * stripped and the TF-era LayerNorm names `gamma`/`beta` (bert-base-uncased's own safetensors) are
 * read as `weight`/`bias`. Linear weights are torch layout [out, in] (used as x·Wᵀ with `matmulT`).
 *
 * Tensors the encoder does not use are ignored: the pooler, task heads (`cls.*`, `classifier.*`) and
 * the integer buffer `embeddings.position_ids` (I64 in checkpoints saved by transformers < 4.31).
 * The safetensors reader only decodes float dtypes, so ignored non-float tensors are cut out of the
 * file image before it is parsed (see `readFloatSafetensors`). Every required tensor is checked
 * against the config's shape and must be finite.
 */
import { configFields, readConfigJson } from './config-json.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from '../errors.js';
import type { PlainTensor } from '../arch/plain-ops.js';
import { parseSafetensors, type TensorToWrite } from './safetensors.js';
import { fmtShape, sameShape, type Shape } from '../arch/shape.js';
import type { ModelWeights } from '../arch/weights.js';

export interface BertConfig {
  readonly hiddenSize: number; // D
  readonly numHiddenLayers: number; // L
  readonly numAttentionHeads: number; // H, head size D / H
  readonly intermediateSize: number; // I (FFN width, 4·D in bert-base)
  readonly maxPositionEmbeddings: number; // P (learned absolute positions)
  readonly vocabSize: number; // V
  readonly typeVocabSize: number; // token types (segments), 2 in bert-base
  readonly layerNormEps: number; // HF default 1e-12
  readonly hiddenAct: string; // HF "hidden_act"; BERT uses "gelu" (erf form)
}

export type BertWeights<T> = ModelWeights<BertConfig, T>;

/** The tensors a BERT encoder needs (no pooler, no heads), with their shapes, in HF order. */
export function bertTensorShapes(c: BertConfig): Map<string, Shape> {
  const d = c.hiddenSize;
  const m = new Map<string, Shape>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, d]],
    ['embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, d]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, d]],
    ['embeddings.LayerNorm.weight', [d]],
    ['embeddings.LayerNorm.bias', [d]],
  ]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const qkv of ['query', 'key', 'value']) {
      m.set(`${p}attention.self.${qkv}.weight`, [d, d]).set(`${p}attention.self.${qkv}.bias`, [d]);
    }
    m.set(p + 'attention.output.dense.weight', [d, d]).set(p + 'attention.output.dense.bias', [d]);
    m.set(p + 'attention.output.LayerNorm.weight', [d]).set(p + 'attention.output.LayerNorm.bias', [d]);
    m.set(p + 'intermediate.dense.weight', [c.intermediateSize, d]).set(p + 'intermediate.dense.bias', [c.intermediateSize]);
    m.set(p + 'output.dense.weight', [d, c.intermediateSize]).set(p + 'output.dense.bias', [d]);
    m.set(p + 'output.LayerNorm.weight', [d]).set(p + 'output.LayerNorm.bias', [d]);
  }
  return m;
}

/** Validates an HF BERT config.json object. */
export function parseBertConfig(json: unknown, file: string): BertConfig {
  const { o, int, modelType } = configFields(json, file);
  modelType(['bert'], 'BERT');
  const hiddenSize = int('hidden_size');
  const numAttentionHeads = int('num_attention_heads');
  if (hiddenSize % numAttentionHeads !== 0) {
    throw new ModelFileError('MODEL_ERR_HEADER', file, `hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numAttentionHeads}`);
  }
  const eps = o.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ModelFileError('MODEL_ERR_HEADER', file, `layer_norm_eps ${JSON.stringify(eps)} must be positive`);
  const act = o.hidden_act ?? 'gelu';
  if (typeof act !== 'string') throw new ModelFileError('MODEL_ERR_HEADER', file, 'hidden_act must be a string');
  const pet = o.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') throw new ModelFileError('MODEL_ERR_HEADER', file, `position_embedding_type ${JSON.stringify(pet)} is not supported (only "absolute")`);
  const c: BertConfig = {
    hiddenSize,
    numHiddenLayers: int('num_hidden_layers'),
    numAttentionHeads,
    intermediateSize: int('intermediate_size'),
    maxPositionEmbeddings: int('max_position_embeddings'),
    vocabSize: int('vocab_size'),
    typeVocabSize: int('type_vocab_size', 2),
    layerNormEps: eps,
    hiddenAct: act,
  };
  try {
    bertGeluForm(c);
  } catch (e) {
    throw new ModelFileError('MODEL_ERR_HEADER', file, (e as Error).message);
  }
  return c;
}

/** HF config.json fields for a config (tests write synthetic checkpoints with it). */
export function bertConfigJson(c: BertConfig): Record<string, unknown> {
  return {
    model_type: 'bert', architectures: ['BertModel'], hidden_size: c.hiddenSize, num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads, intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings, vocab_size: c.vocabSize, type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps, hidden_act: c.hiddenAct, position_embedding_type: 'absolute',
  };
}

/** The GeLU form a config asks for: HF "gelu" = erf (BERT), "gelu_new"/"gelu_pytorch_tanh" = tanh. */
export function bertGeluForm(c: BertConfig): 'tanh' | 'erf' {
  if (c.hiddenAct === 'gelu') return 'erf';
  if (c.hiddenAct === 'gelu_new' || c.hiddenAct === 'gelu_pytorch_tanh' || c.hiddenAct === 'gelu_fast') return 'tanh';
  throw new RangeError(`BERT: unsupported hidden_act ${c.hiddenAct}`);
}

/** Checkpoint name -> canonical name: "bert." prefix stripped, LayerNorm gamma/beta -> weight/bias. */
export function canonicalBertName(raw: string): string {
  const name = raw.startsWith('bert.') ? raw.slice('bert.'.length) : raw;
  return name.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
}

/** Loads and validates a BERT checkpoint directory (encoder tensors only). */
export function loadBertCheckpoint(dir: string): BertWeights<PlainTensor> {
  const { json: cfgJson, path: cfgPath } = readConfigJson(dir);
  const config = parseBertConfig(cfgJson, cfgPath);
  const shapes = bertTensorShapes(config);
  // canonical name -> tensor, file and name it came from
  const found = new Map<string, { t: PlainTensor; file: string; raw: string }>();
  for (const file of safetensorsFiles(dir)) {
    for (const [raw, t] of readFloatSafetensors(file, (raw) => shapes.has(canonicalBertName(raw)))) {
      const name = canonicalBertName(raw);
      if (!shapes.has(name)) continue; // pooler, heads, float buffers
      const prev = found.get(name);
      if (prev !== undefined) throw new ModelFileError('MODEL_ERR_HEADER', file, `duplicate tensor (also '${prev.raw}' in ${prev.file})`, raw);
      found.set(name, { t, file, raw });
    }
  }
  const tensors = new Map<string, PlainTensor>();
  for (const [name, shape] of shapes) {
    const f = found.get(name);
    if (f === undefined) throw new ModelFileError('MODEL_ERR_MISSING', join(dir, 'model.safetensors'), 'missing', name);
    if (!sameShape(f.t.shape, shape)) {
      throw new ModelFileError('MODEL_ERR_SHAPE', f.file, `shape ${fmtShape(f.t.shape)} but config.json implies ${fmtShape(shape)}`, f.raw);
    }
    tensors.set(name, f.t);
  }
  return { config, tensors };
}

/** Tensors of a weights object in HF layout, for `writeSafetensors` (tests). */
export function bertTensorsToWrite(w: BertWeights<PlainTensor>, prefix = ''): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const name of bertTensorShapes(w.config).keys()) {
    const t = w.tensors.get(name);
    if (t === undefined) throw new ModelFileError('MODEL_ERR_MISSING', '<bertTensorsToWrite>', 'missing', name);
    out.set(prefix + name, { shape: t.shape, data: t.data });
  }
  return out;
}

function safetensorsFiles(dir: string): string[] {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return [single];
  const index = join(dir, 'model.safetensors.index.json');
  if (!existsSync(index)) throw new ModelFileError('MODEL_ERR_MISSING', single, 'model.safetensors not found (nor model.safetensors.index.json)');
  let map: Record<string, string> | undefined;
  try {
    map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map;
  } catch (e) {
    throw new ModelFileError('MODEL_ERR_HEADER', index, `invalid JSON (${(e as Error).message})`);
  }
  if (map === undefined) throw new ModelFileError('MODEL_ERR_HEADER', index, 'no weight_map');
  return [...new Set(Object.values(map))].map((f) => join(dir, f));
}

const FLOAT_DTYPES = new Set(['F64', 'F32', 'F16', 'BF16']);

/**
 * Reads a safetensors file with `parseSafetensors`, after cutting out the tensors that are not
 * float AND not wanted (`want(name)` false), e.g. the I64 `embeddings.position_ids` buffer, which
 * the reader would reject. A wanted non-float tensor still fails with MODEL_ERR_DTYPE. Everything
 * else (header, offsets, tiling, finiteness) is validated by `parseSafetensors` on the result.
 */
function readFloatSafetensors(file: string, want: (name: string) => boolean): Map<string, PlainTensor> {
  const bytes = readFileSync(file);
  const drop = droppableEntries(bytes, want);
  if (drop.size === 0) return parseSafetensors(bytes, file).tensors;
  // Rebuild the file image without the dropped entries: header rewritten, data region compacted.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: [number, number] } & Record<string, unknown>>;
  const kept = Object.entries(header).filter(([name]) => name !== '__metadata__' && !drop.has(name));
  kept.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const outHeader: Record<string, unknown> = {};
  if (header.__metadata__ !== undefined) outHeader.__metadata__ = header.__metadata__;
  const chunks: Uint8Array[] = [];
  let off = 0;
  for (const [name, e] of kept) {
    const [b, end] = e.data_offsets;
    chunks.push(bytes.subarray(8 + n + b, 8 + n + end));
    outHeader[name] = { ...e, data_offsets: [off, off + end - b] };
    off += end - b;
  }
  const hb = new TextEncoder().encode(JSON.stringify(outHeader));
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return parseSafetensors(out, file).tensors;
}

/**
 * Names of unwanted non-float entries. Returns an empty set when the header cannot be read or the
 * data region is not exactly tiled, so that `parseSafetensors` reports the problem itself.
 */
function droppableEntries(bytes: Uint8Array, want: (name: string) => boolean): Set<string> {
  const drop = new Set<string>();
  if (bytes.length < 8) return drop;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (8 + n > bytes.length) return drop;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    return drop;
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return drop;
  const spans: [number, number][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = (raw ?? {}) as { dtype?: unknown; data_offsets?: unknown };
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0) || off[0] > off[1]) return new Set();
    spans.push([off[0] as number, off[1] as number]);
    if (typeof e.dtype === 'string' && !FLOAT_DTYPES.has(e.dtype) && !want(name)) drop.add(name);
  }
  // Only compact a well-formed file: spans must tile the data region exactly.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [b, e] of spans) {
    if (b !== cursor) return new Set();
    cursor = e;
  }
  return cursor === bytes.length - 8 - n ? drop : new Set();
}
