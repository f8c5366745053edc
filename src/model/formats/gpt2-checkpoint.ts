/**
 * Hugging Face GPT-2 checkpoint directory: config.json + model.safetensors (or a sharded
 * model.safetensors.index.json). Tensor names follow HF (`wte.weight`, `h.0.attn.c_attn.weight`,
 * ...), with an optional "transformer." prefix that is stripped. Linear weights are Conv1D layout
 * [in,out] (used as x·W with `matmul`). Every required tensor is checked against the config's
 * shape; buffers like `h.0.attn.bias` (the causal mask) and a tied `lm_head.weight` are ignored.
 */
import { configFields, readConfigJson } from './config-json.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from '../errors.js';
import type { PlainTensor } from '../arch/plain-ops.js';
import { readSafetensors, type TensorToWrite } from './safetensors.js';
import { fmtShape, sameShape, type Shape } from '../arch/shape.js';
import type { ModelWeights } from '../arch/weights.js';

export interface Gpt2Config {
  readonly nEmbd: number; // D
  readonly nLayer: number; // L
  readonly nHead: number; // heads, head size D / nHead
  readonly nPositions: number; // context length (learned position embeddings)
  readonly vocabSize: number; // V
  readonly nInner: number; // MLP width (HF default 4·D)
  readonly layerNormEps: number; // HF default 1e-5
  readonly activation: string; // HF "activation_function"; GPT-2 uses "gelu_new" (tanh form)
}

export type Gpt2Weights<T> = ModelWeights<Gpt2Config, T>;

/** The tensors a GPT-2 needs, with their shapes, in HF order. */
export function gpt2TensorShapes(c: Gpt2Config): Map<string, Shape> {
  const d = c.nEmbd;
  const m = new Map<string, Shape>([
    ['wte.weight', [c.vocabSize, d]],
    ['wpe.weight', [c.nPositions, d]],
  ]);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h.${i}.`;
    m.set(p + 'ln_1.weight', [d]).set(p + 'ln_1.bias', [d]);
    m.set(p + 'attn.c_attn.weight', [d, 3 * d]).set(p + 'attn.c_attn.bias', [3 * d]);
    m.set(p + 'attn.c_proj.weight', [d, d]).set(p + 'attn.c_proj.bias', [d]);
    m.set(p + 'ln_2.weight', [d]).set(p + 'ln_2.bias', [d]);
    m.set(p + 'mlp.c_fc.weight', [d, c.nInner]).set(p + 'mlp.c_fc.bias', [c.nInner]);
    m.set(p + 'mlp.c_proj.weight', [c.nInner, d]).set(p + 'mlp.c_proj.bias', [d]);
  }
  m.set('ln_f.weight', [d]).set('ln_f.bias', [d]);
  return m;
}

/** Validates an HF GPT-2 config.json object. */
export function parseGpt2Config(json: unknown, file: string): Gpt2Config {
  const { o, int, modelType } = configFields(json, file);
  modelType(['gpt2'], 'GPT-2');
  const nEmbd = int('n_embd');
  const nHead = int('n_head');
  if (nEmbd % nHead !== 0) throw new ModelFileError('MODEL_ERR_HEADER', file, `n_embd ${nEmbd} is not a multiple of n_head ${nHead}`);
  const eps = o.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ModelFileError('MODEL_ERR_HEADER', file, `layer_norm_epsilon ${JSON.stringify(eps)} must be positive`);
  const act = o.activation_function ?? 'gelu_new';
  if (typeof act !== 'string') throw new ModelFileError('MODEL_ERR_HEADER', file, 'activation_function must be a string');
  return {
    nEmbd,
    nLayer: int('n_layer'),
    nHead,
    nPositions: int('n_positions', o.n_ctx),
    vocabSize: int('vocab_size'),
    nInner: o.n_inner === null || o.n_inner === undefined ? 4 * nEmbd : int('n_inner'),
    layerNormEps: eps,
    activation: act,
  };
}

/** HF config.json fields for a config (tests write synthetic checkpoints with it). */
export function gpt2ConfigJson(c: Gpt2Config): Record<string, unknown> {
  return {
    model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: c.nEmbd, n_layer: c.nLayer, n_head: c.nHead,
    n_positions: c.nPositions, n_ctx: c.nPositions, vocab_size: c.vocabSize, n_inner: c.nInner === 4 * c.nEmbd ? null : c.nInner,
    layer_norm_epsilon: c.layerNormEps, activation_function: c.activation,
  };
}

/** Loads and validates a GPT-2 checkpoint directory. */
export function loadGpt2Checkpoint(dir: string): Gpt2Weights<PlainTensor> {
  const { json: cfgJson, path: cfgPath } = readConfigJson(dir);
  const config = parseGpt2Config(cfgJson, cfgPath);
  // name (without prefix) -> tensor, file it came from
  const found = new Map<string, { t: PlainTensor; file: string }>();
  for (const file of safetensorsFiles(dir)) {
    for (const [raw, t] of readSafetensors(file).tensors) {
      const name = raw.startsWith('transformer.') ? raw.slice('transformer.'.length) : raw;
      if (found.has(name)) throw new ModelFileError('MODEL_ERR_HEADER', file, `duplicate tensor (also in ${found.get(name)?.file})`, raw);
      found.set(name, { t, file });
    }
  }
  const tensors = new Map<string, PlainTensor>();
  for (const [name, shape] of gpt2TensorShapes(config)) {
    const f = found.get(name);
    if (f === undefined) throw new ModelFileError('MODEL_ERR_MISSING', join(dir, 'model.safetensors'), 'missing', name);
    if (!sameShape(f.t.shape, shape)) {
      throw new ModelFileError('MODEL_ERR_SHAPE', f.file, `shape ${fmtShape(f.t.shape)} but config.json implies ${fmtShape(shape)}`, name);
    }
    tensors.set(name, f.t);
  }
  return { config, tensors };
}

function safetensorsFiles(dir: string): string[] {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return [single];
  const index = join(dir, 'model.safetensors.index.json');
  if (!existsSync(index)) throw new ModelFileError('MODEL_ERR_MISSING', single, 'model.safetensors not found (nor model.safetensors.index.json)');
  const map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map;
  if (map === undefined) throw new ModelFileError('MODEL_ERR_HEADER', index, 'no weight_map');
  return [...new Set(Object.values(map))].map((f) => join(dir, f));
}

/** Tensors of a weights object in HF layout, for `writeSafetensors` (tests). */
export function gpt2TensorsToWrite(w: Gpt2Weights<PlainTensor>, prefix = ''): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const name of gpt2TensorShapes(w.config).keys()) {
    const t = w.tensors.get(name);
    if (t === undefined) throw new ModelFileError('MODEL_ERR_MISSING', '<gpt2TensorsToWrite>', 'missing', name);
    out.set(prefix + name, { shape: t.shape, data: t.data });
  }
  return out;
}

/** The GeLU form a config asks for: HF "gelu_new"/"gelu_pytorch_tanh" = tanh form, "gelu" = erf. */
export function gpt2GeluForm(c: Gpt2Config): 'tanh' | 'erf' {
  if (c.activation === 'gelu') return 'erf';
  if (c.activation === 'gelu_new' || c.activation === 'gelu_pytorch_tanh' || c.activation === 'gelu_fast') return 'tanh';
  throw new RangeError(`GPT-2: unsupported activation_function ${c.activation}`);
}
