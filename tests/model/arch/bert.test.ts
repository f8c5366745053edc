/**
 * BERT encoder on a seeded synthetic checkpoint written in HF layout (config.json +
 * model.safetensors, "bert." prefix and gamma/beta variants) into a temp dir and loaded back:
 * forward vs a per-head float64 reference, vectorisation (one softmax/bmmT/bmm per layer, no mask),
 * loader validation, WordPiece tokenizer + tiny BERT end to end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bert } from '../../../src/model/arch/bert.js';
import { bertConfigJson, bertGeluForm, bertTensorsToWrite, loadBertCheckpoint, type BertConfig, type BertWeights } from '../../../src/model/formats/bert-checkpoint.js';
import { ModelFileError } from '../../../src/model/errors.js';
import { readGgufVocab } from '../../../src/model/formats/gguf-vocab.js';
import type { SoftmaxMask } from '../../../src/model/arch/ops.js';
import { PlainOps, type PlainTensor } from '../../../src/model/arch/plain-ops.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/model/formats/safetensors.js';
import { WordPieceTokenizer } from '../../../src/model/tokenizers/wordpiece-tokenizer.js';
import { maxAbsDiff, recordingOps, sharedModelFile, syntheticBert, TINY_BERT } from '../_helpers.js';

const root = mkdtempSync(join(tmpdir(), 'triform-bert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ops = new PlainOps({ gelu: 'erf' });

interface WriteOpts {
  prefix?: string;
  legacyLn?: boolean; // LayerNorm.gamma / LayerNorm.beta (bert-base-uncased's own safetensors)
  edit?: (m: Map<string, TensorToWrite>) => void;
  config?: object;
  i64?: string[]; // F64 tensors whose header dtype is rewritten to I64 (same byte size)
}

/** Writes a checkpoint directory; `edit` may change the tensors before they are written. */
function writeCheckpoint(name: string, w: BertWeights<PlainTensor>, opts: WriteOpts = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(opts.config ?? bertConfigJson(w.config)));
  const tensors = new Map<string, TensorToWrite>();
  for (const [n, t] of bertTensorsToWrite(w, opts.prefix ?? '')) {
    tensors.set(opts.legacyLn ? n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta') : n, t);
  }
  opts.edit?.(tensors);
  writeFileSync(join(dir, 'model.safetensors'), withI64(encodeSafetensors(tensors, { format: 'pt' }), opts.i64 ?? []));
  return dir;
}

/** Rewrites the header dtype of the named F64 tensors to I64 (same length, same byte size). */
function withI64(bytes: Uint8Array, names: string[]): Uint8Array {
  if (names.length === 0) return bytes;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  let header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  for (const name of names) header = header.replace(`"${name}":{"dtype":"F64"`, `"${name}":{"dtype":"I64"`);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(header), 8);
  return out;
}

/** Independent erf for the reference: composite Simpson on 2/√π ∫₀ᶻ e^(−t²) dt (error < 1e-12). */
function erfSimpson(z: number): number {
  const az = Math.abs(z);
  if (az >= 7) return Math.sign(z);
  const m = 2 * Math.max(8, Math.ceil(az * 600)); // even number of intervals, h ≤ 1/1200
  const h = az / m;
  let s = 1 + Math.exp(-az * az);
  for (let i = 1; i < m; i++) s += (i % 2 === 1 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return (Math.sign(z) * (h / 3) * s * 2) / Math.sqrt(Math.PI);
}

/** nanoGPT-style reference: per position, per head, torch [out,in] Linear layout (independent of Ops). */
function reference(w: BertWeights<PlainTensor>, tokens: number[]): Float64Array[] {
  const c = w.config;
  const d = c.hiddenSize;
  const hs = d / c.numAttentionHeads;
  const T = (name: string): Float64Array => (w.tensors.get(name) as PlainTensor).data;
  const n = tokens.length;
  const lin = (x: Float64Array[], wt: Float64Array, b: Float64Array): Float64Array[] =>
    x.map((row) => {
      const o = Float64Array.from(b);
      for (let j = 0; j < o.length; j++) for (let i = 0; i < row.length; i++) o[j] += wt[j * row.length + i] * row[i];
      return o;
    });
  const ln = (x: Float64Array[], g: Float64Array, b: Float64Array): Float64Array[] =>
    x.map((row) => {
      const mu = row.reduce((s, v) => s + v, 0) / d;
      const va = row.reduce((s, v) => s + (v - mu) ** 2, 0) / d;
      return row.map((v, i) => ((v - mu) / Math.sqrt(va + c.layerNormEps)) * g[i] + b[i]);
    });
  const addRows = (a: Float64Array[], b: Float64Array[]): Float64Array[] => a.map((r, i) => r.map((v, k) => v + b[i][k]));
  const gelu = (x: number): number => 0.5 * x * (1 + erfSimpson(x / Math.SQRT2));
  const e = 'embeddings.';
  let x = ln(
    tokens.map((t, p) => {
      const row = new Float64Array(d);
      for (let i = 0; i < d; i++) row[i] = T(e + 'word_embeddings.weight')[t * d + i] + T(e + 'position_embeddings.weight')[p * d + i] + T(e + 'token_type_embeddings.weight')[i];
      return row;
    }),
    T(e + 'LayerNorm.weight'),
    T(e + 'LayerNorm.bias'),
  );
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `encoder.layer.${l}.`;
    const q = lin(x, T(p + 'attention.self.query.weight'), T(p + 'attention.self.query.bias'));
    const k = lin(x, T(p + 'attention.self.key.weight'), T(p + 'attention.self.key.bias'));
    const v = lin(x, T(p + 'attention.self.value.weight'), T(p + 'attention.self.value.bias'));
    const y = x.map(() => new Float64Array(d));
    for (let h = 0; h < c.numAttentionHeads; h++) {
      for (let i = 0; i < n; i++) {
        const s: number[] = [];
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let u = 0; u < hs; u++) dot += q[i][h * hs + u] * k[j][h * hs + u];
          s.push(dot / Math.sqrt(hs));
        }
        const mx = Math.max(...s);
        const ex = s.map((val) => Math.exp(val - mx));
        const sum = ex.reduce((a, b) => a + b, 0);
        for (let j = 0; j < n; j++) for (let u = 0; u < hs; u++) y[i][h * hs + u] += (ex[j] / sum) * v[j][h * hs + u];
      }
    }
    const a = lin(y, T(p + 'attention.output.dense.weight'), T(p + 'attention.output.dense.bias'));
    x = ln(addRows(x, a), T(p + 'attention.output.LayerNorm.weight'), T(p + 'attention.output.LayerNorm.bias'));
    const f = lin(x, T(p + 'intermediate.dense.weight'), T(p + 'intermediate.dense.bias')).map((r) => r.map(gelu));
    const m = lin(f, T(p + 'output.dense.weight'), T(p + 'output.dense.bias'));
    x = ln(addRows(x, m), T(p + 'output.LayerNorm.weight'), T(p + 'output.LayerNorm.bias'));
  }
  return x;
}

const flat = (rows: Float64Array[]): Float64Array => Float64Array.from(rows.flatMap((r) => [...r]));

describe('BERT synthetic checkpoint (2 layers, D=32, 4 heads, I=64, vocab 60, 24 positions)', () => {
  const w = syntheticBert(TINY_BERT, 11);
  const dir = writeCheckpoint('ok', w);
  const loaded = loadBertCheckpoint(dir);
  const model = new Bert(ops, loaded);
  const tokens = [2, 17, 59, 3, 3, 40, 0, 8, 33, 21, 5, 3];

  it('loads back config and tensors bit-exactly', () => {
    expect(loaded.config).toEqual(TINY_BERT);
    expect([...loaded.tensors.keys()]).toEqual([...w.tensors.keys()]);
    for (const [name, t] of w.tensors) expect(loaded.tensors.get(name)?.data).toEqual(t.data);
  });

  it('accepts the "bert." prefix, legacy gamma/beta names, ignores the pooler, heads and an I64 position_ids buffer', () => {
    const P = TINY_BERT.maxPositionEmbeddings;
    const pdir = writeCheckpoint('prefixed', w, {
      prefix: 'bert.',
      legacyLn: true,
      i64: ['bert.embeddings.position_ids'],
      edit: (m) => {
        m.set('bert.embeddings.position_ids', { shape: [1, P], data: new Array(P).fill(0).map((_, i) => i), dtype: 'F64' });
        m.set('bert.pooler.dense.weight', { shape: [32, 32], data: new Array(1024).fill(0.5) });
        m.set('bert.pooler.dense.bias', { shape: [32], data: new Array(32).fill(0) });
        m.set('cls.predictions.bias', { shape: [60], data: new Array(60).fill(0) });
      },
    });
    const p = loadBertCheckpoint(pdir);
    expect([...p.tensors.keys()]).toEqual([...w.tensors.keys()]);
    for (const [name, t] of w.tensors) expect(p.tensors.get(name)?.data).toEqual(t.data);
  });

  it('reads a sharded checkpoint (model.safetensors.index.json)', () => {
    const sdir = join(root, 'sharded');
    mkdirSync(sdir, { recursive: true });
    writeFileSync(join(sdir, 'config.json'), JSON.stringify(bertConfigJson(TINY_BERT)));
    const all = [...bertTensorsToWrite(w)];
    const half = Math.floor(all.length / 2);
    const shards = [all.slice(0, half), all.slice(half)];
    const weightMap: Record<string, string> = {};
    shards.forEach((s, i) => {
      const f = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(sdir, f), encodeSafetensors(new Map(s)));
      for (const [name] of s) weightMap[name] = f;
    });
    writeFileSync(join(sdir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const s = loadBertCheckpoint(sdir);
    for (const [name, t] of w.tensors) expect(s.tensors.get(name)?.data).toEqual(t.data);
  });

  it('encode equals a per-head float64 reference within 1e-9 (erf GeLU)', async () => {
    expect(bertGeluForm(loaded.config)).toBe('erf');
    for (const n of [1, 2, 7, tokens.length]) {
      const out = await model.encode(tokens.slice(0, n));
      expect(ops.shape(out)).toEqual([n, TINY_BERT.hiddenSize]);
      expect(maxAbsDiff(await ops.reveal(out), flat(reference(loaded, tokens.slice(0, n))))).toBeLessThan(1e-9);
    }
  });

  it('attention is bidirectional: an earlier position changes when a later token changes', async () => {
    const a = await ops.reveal(await model.encode([2, 5, 9, 3]));
    const b = await ops.reveal(await model.encode([2, 5, 10, 3]));
    expect(maxAbsDiff(a.subarray(0, 32), b.subarray(0, 32))).toBeGreaterThan(1e-6);
  });

  it('the tanh GeLU backend gives a measurably different result (the reference pins the erf form)', async () => {
    const tanhModel = new Bert(new PlainOps({ gelu: 'tanh' }), loaded);
    const got = await ops.reveal(await tanhModel.encode(tokens));
    expect(maxAbsDiff(got, flat(reference(loaded, tokens)))).toBeGreaterThan(1e-7);
  });

  it('rejects more tokens than max_position_embeddings and out-of-vocabulary tokens', async () => {
    await expect(model.encode(new Array(25).fill(1))).rejects.toThrow(/25 tokens exceed max_position_embeddings 24/);
    await expect(model.encode([1, 60])).rejects.toThrow(/token 60 at index 1 is out of range for vocabulary size 60/);
  });
});

describe('BERT is vectorised for the secure backend', () => {
  it('one embedding, softmax (no mask), bmmT, bmm, gelu per layer; op sequence independent of n', async () => {
    const w = syntheticBert(TINY_BERT, 12);
    const masks: (SoftmaxMask | undefined)[] = [];
    const scales: (number | undefined)[] = [];
    class MaskSpy extends PlainOps {
      override async softmax(x: PlainTensor, mask?: SoftmaxMask, scale?: number): Promise<PlainTensor> {
        masks.push(mask);
        scales.push(scale);
        return super.softmax(x, mask, scale);
      }
    }
    const seq = async (n: number): Promise<string[]> => {
      const { ops: rec, calls } = recordingOps(new MaskSpy({ gelu: 'erf' }));
      await new Bert(rec, w).encode(new Array(n).fill(7));
      return calls;
    };
    const one = await seq(1);
    expect(await seq(9)).toEqual(one);
    const L = TINY_BERT.numHiddenLayers;
    for (const op of ['softmax', 'bmmT', 'bmm', 'gelu']) expect(one.filter((c) => c === op)).toHaveLength(L);
    expect(one.filter((c) => c === 'embedding')).toHaveLength(1);
    expect(one.filter((c) => c === 'matmulT')).toHaveLength(2 * L); // qkv, intermediate
    expect(one.filter((c) => c === 'postLayerNorm')).toHaveLength(2 * L); // LN(x + attention out), LN(x + output)
    expect(one.filter((c) => c === 'layerNorm')).toHaveLength(1); // the embeddings'
    expect(one.filter((c) => c === 'mulPublic')).toHaveLength(0); // 1/√hs is the softmax's scale
    expect(scales.every((v) => v === 1 / Math.sqrt(TINY_BERT.hiddenSize / TINY_BERT.numAttentionHeads))).toBe(true);
    expect(one.filter((c) => c === 'matmul')).toHaveLength(0);
    expect(masks).toHaveLength(2 * L);
    expect(masks.every((m) => m === undefined)).toBe(true);
  });
});

describe('BERT checkpoint loader rejections (messages name file and tensor)', () => {
  const w = syntheticBert(TINY_BERT, 13);
  const fail = (dir: string, code: string, re: RegExp, file = 'model.safetensors'): void => {
    let err: unknown;
    try {
      loadBertCheckpoint(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).code).toBe(code);
    expect((err as Error).message).toContain(join(dir, file));
    expect((err as Error).message).toMatch(re);
  };

  it('missing tensor', () => {
    const dir = writeCheckpoint('missing', w, { edit: (m) => m.delete('encoder.layer.1.attention.self.value.bias') });
    fail(dir, 'MODEL_ERR_MISSING', /tensor 'encoder\.layer\.1\.attention\.self\.value\.bias': missing/);
  });

  it('shape that disagrees with config.json (names the tensor as stored)', () => {
    const dir = writeCheckpoint('shape', w, {
      prefix: 'bert.',
      edit: (m) => m.set('bert.encoder.layer.0.intermediate.dense.weight', { shape: [32, 64], data: new Array(2048).fill(0) }),
    });
    fail(dir, 'MODEL_ERR_SHAPE', /tensor 'bert\.encoder\.layer\.0\.intermediate\.dense\.weight': shape \[32,64\] but config\.json implies \[64,32\]/);
  });

  it('NaN weight', () => {
    const dir = writeCheckpoint('nan', w, {
      edit: (m) => m.set('embeddings.LayerNorm.bias', { shape: [32], data: new Array(32).fill(0).map((_, i) => (i === 3 ? NaN : 0)) }),
    });
    fail(dir, 'MODEL_ERR_NONFINITE', /tensor 'embeddings\.LayerNorm\.bias': element 3 is NaN/);
  });

  it('NaN in a legacy-named tensor after the I64 buffer was cut out', () => {
    const dir = writeCheckpoint('nan-legacy', w, {
      prefix: 'bert.',
      legacyLn: true,
      i64: ['bert.embeddings.position_ids'],
      edit: (m) => {
        m.set('bert.embeddings.position_ids', { shape: [1, 24], data: new Array(24).fill(0), dtype: 'F64' });
        m.set('bert.encoder.layer.1.output.LayerNorm.gamma', { shape: [32], data: new Array(32).fill(1).map((v, i) => (i === 30 ? Infinity : v)) });
      },
    });
    fail(dir, 'MODEL_ERR_NONFINITE', /tensor 'bert\.encoder\.layer\.1\.output\.LayerNorm\.gamma': element 30 is Infinity/);
  });

  it('a required tensor stored as an integer dtype', () => {
    const dir = writeCheckpoint('dtype', w, {
      i64: ['embeddings.token_type_embeddings.weight'],
      edit: (m) => m.set('embeddings.token_type_embeddings.weight', { shape: [2, 32], data: new Array(64).fill(0), dtype: 'F64' }),
    });
    fail(dir, 'MODEL_ERR_DTYPE', /tensor 'embeddings\.token_type_embeddings\.weight': unsupported dtype I64/);
  });

  it('duplicate tensor under both the new and the legacy name', () => {
    const dir = writeCheckpoint('dup', w, { edit: (m) => m.set('embeddings.LayerNorm.gamma', { shape: [32], data: new Array(32).fill(1) }) });
    fail(dir, 'MODEL_ERR_HEADER', /duplicate tensor/);
  });

  it('bad config: heads do not divide hidden_size, missing field, unsupported activation', () => {
    const cfg = bertConfigJson(w.config);
    fail(writeCheckpoint('cfg1', w, { config: { ...cfg, num_attention_heads: 5 } }), 'MODEL_ERR_HEADER', /hidden_size 32 is not a multiple of num_attention_heads 5/, 'config.json');
    fail(writeCheckpoint('cfg2', w, { config: { ...cfg, intermediate_size: undefined } }), 'MODEL_ERR_MISSING', /intermediate_size is missing/, 'config.json');
    fail(writeCheckpoint('cfg3', w, { config: { ...cfg, hidden_act: 'relu' } }), 'MODEL_ERR_HEADER', /unsupported hidden_act relu/, 'config.json');
    fail(writeCheckpoint('cfg4', w, { config: { ...cfg, model_type: 'gpt2' } }), 'MODEL_ERR_HEADER', /model_type "gpt2" is not BERT/, 'config.json');
  });
});

/** A tiny uncased vocabulary: specials, some words and "##" continuations, padded to `size`. */
function tinyVocab(size: number): string[] {
  const toks = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'quick', 'brown', 'fox', 'jump', '##s', '##ed', 'over', 'lazy', 'dog', '.', ',', '!', 'a', 'secure', 'in', '##fer', '##ence'];
  while (toks.length < size) toks.push(`[unused${toks.length}]`);
  return toks;
}

describe('WordPiece tokenizer + tiny BERT end to end', () => {
  it('tokenizes a sentence and encodes it; hidden states match the reference', async () => {
    const tok = new WordPieceTokenizer(tinyVocab(TINY_BERT.vocabSize));
    const ids = tok.encode('The quick brown fox jumps over the lazy dog. Secure inference!');
    expect(ids).toEqual([2, 5, 6, 7, 8, 9, 10, 12, 5, 13, 14, 15, 19, 20, 21, 22, 17, 3]);
    const w = loadBertCheckpoint(writeCheckpoint('e2e', syntheticBert(TINY_BERT, 14), { prefix: 'bert.', legacyLn: true }));
    const out = await ops.reveal(await new Bert(ops, w).encode(ids));
    expect(out).toHaveLength(ids.length * TINY_BERT.hiddenSize);
    expect(maxAbsDiff(out, flat(reference(w, ids)))).toBeLessThan(1e-9);
  });

  const bge = sharedModelFile('tokenizers/ggml-vocab-bert-bge.gguf');
  it.skipIf(bge === undefined)(`real bge WordPiece vocabulary (30522) + synthetic BERT of that vocabulary${bge === undefined ? ' [SKIPPED: ../shared/models/tokenizers not found]' : ''}`, async () => {
    const tok = WordPieceTokenizer.fromGguf(readGgufVocab(bge as string));
    const c: BertConfig = { ...TINY_BERT, numHiddenLayers: 1, vocabSize: tok.tokens.length, maxPositionEmbeddings: 32 };
    const ids = tok.encode('Secure inference with three parties keeps the prompt private.');
    expect(ids[0]).toBe(tok.clsId);
    expect(ids.at(-1)).toBe(tok.sepId);
    expect(ids).not.toContain(tok.unkId);
    const w = syntheticBert(c, 15);
    const out = await ops.reveal(await new Bert(ops, w).encode(ids));
    expect(maxAbsDiff(out, flat(reference(w, ids)))).toBeLessThan(1e-9);
  });
});
