/**
 * GPT-2 on a seeded synthetic checkpoint written in HF layout (config.json + model.safetensors)
 * into a temp dir and loaded back: forward vs a per-head reference, KV cache vs recomputation,
 * loader validation.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSession } from '../../../src/model/arch/causal-lm.js';
import { ModelFileError } from '../../../src/model/errors.js';
import { generate } from '../../../src/model/generate.js';
import { Gpt2 } from '../../../src/model/arch/gpt2.js';
import { gpt2ConfigJson, gpt2TensorsToWrite, loadGpt2Checkpoint, type Gpt2Weights } from '../../../src/model/formats/gpt2-checkpoint.js';
import { PlainOps, type PlainTensor } from '../../../src/model/arch/plain-ops.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/model/formats/safetensors.js';
import { maxAbsDiff, recordingOps, syntheticGpt2, TINY_GPT2 } from '../_helpers.js';

const root = mkdtempSync(join(tmpdir(), 'triform-gpt2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ops = new PlainOps();

/** Writes a checkpoint directory; `edit` may change the tensors before they are written. */
function writeCheckpoint(name: string, w: Gpt2Weights<PlainTensor>, opts: { prefix?: string; edit?: (m: Map<string, TensorToWrite>) => void; config?: object } = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(opts.config ?? gpt2ConfigJson(w.config)));
  const tensors = gpt2TensorsToWrite(w, opts.prefix ?? '');
  opts.edit?.(tensors);
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors, { format: 'pt' }));
  return dir;
}

/** nanoGPT-style reference: per position, per head, no cache (independent of Ops). */
function reference(w: Gpt2Weights<PlainTensor>, tokens: number[]): Float64Array {
  const c = w.config;
  const d = c.nEmbd;
  const hs = d / c.nHead;
  const T = (n: string): Float64Array => (w.tensors.get(n) as PlainTensor).data;
  const n = tokens.length;
  const lin = (x: Float64Array[], wt: Float64Array, b: Float64Array, out: number): Float64Array[] =>
    x.map((row) => {
      const o = Float64Array.from(b);
      for (let i = 0; i < row.length; i++) for (let j = 0; j < out; j++) o[j] += row[i] * wt[i * out + j];
      return o;
    });
  const ln = (x: Float64Array[], g: Float64Array, b: Float64Array): Float64Array[] =>
    x.map((row) => {
      const mu = row.reduce((s, v) => s + v, 0) / d;
      const va = row.reduce((s, v) => s + (v - mu) ** 2, 0) / d;
      return row.map((v, i) => ((v - mu) / Math.sqrt(va + c.layerNormEps)) * g[i] + b[i]);
    });
  const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  let x = tokens.map((t, p) => T('wte.weight').slice(t * d, (t + 1) * d).map((v, i) => v + T('wpe.weight')[p * d + i]));
  for (let l = 0; l < c.nLayer; l++) {
    const p = `h.${l}.`;
    const qkv = lin(ln(x, T(p + 'ln_1.weight'), T(p + 'ln_1.bias')), T(p + 'attn.c_attn.weight'), T(p + 'attn.c_attn.bias'), 3 * d);
    const y = x.map(() => new Float64Array(d));
    for (let h = 0; h < c.nHead; h++) {
      for (let i = 0; i < n; i++) {
        const s: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let e = 0; e < hs; e++) dot += qkv[i][h * hs + e] * qkv[j][d + h * hs + e];
          s.push(dot / Math.sqrt(hs));
        }
        const mx = Math.max(...s);
        const ex = s.map((v) => Math.exp(v - mx));
        const sum = ex.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++) for (let e = 0; e < hs; e++) y[i][h * hs + e] += (ex[j] / sum) * qkv[j][2 * d + h * hs + e];
      }
    }
    const a = lin(y, T(p + 'attn.c_proj.weight'), T(p + 'attn.c_proj.bias'), d);
    x = x.map((r, i) => r.map((v, k) => v + a[i][k]));
    const f = lin(ln(x, T(p + 'ln_2.weight'), T(p + 'ln_2.bias')), T(p + 'mlp.c_fc.weight'), T(p + 'mlp.c_fc.bias'), c.nInner).map((r) => r.map(gelu));
    const m = lin(f, T(p + 'mlp.c_proj.weight'), T(p + 'mlp.c_proj.bias'), d);
    x = x.map((r, i) => r.map((v, k) => v + m[i][k]));
  }
  const last = ln([x[n - 1]], T('ln_f.weight'), T('ln_f.bias'))[0];
  const logits = new Float64Array(c.vocabSize);
  for (let v = 0; v < c.vocabSize; v++) for (let i = 0; i < d; i++) logits[v] += last[i] * T('wte.weight')[v * d + i];
  return logits;
}

describe('GPT-2 synthetic checkpoint (2 layers, D=32, 4 heads, vocab 300, ctx 64)', () => {
  const w = syntheticGpt2(TINY_GPT2, 5);
  const dir = writeCheckpoint('ok', w);
  const loaded = loadGpt2Checkpoint(dir);
  const model = new Gpt2(ops, loaded);
  const tokens = [17, 250, 3, 3, 99, 0, 299, 42, 8, 150, 7, 64];

  it('loads back config and tensors exactly; accepts the "transformer." prefix and ignores buffers', () => {
    expect(loaded.config).toEqual(TINY_GPT2);
    for (const [name, t] of w.tensors) expect(loaded.tensors.get(name)?.data).toEqual(t.data);
    const pdir = writeCheckpoint('prefixed', w, {
      prefix: 'transformer.',
      edit: (m) => m.set('transformer.h.0.attn.bias', { shape: [1, 1, 4, 4], data: new Array(16).fill(1) }),
    });
    const p = loadGpt2Checkpoint(pdir);
    expect(p.tensors.get('h.1.mlp.c_fc.weight')?.data).toEqual(w.tensors.get('h.1.mlp.c_fc.weight')?.data);
    expect(p.tensors.has('h.0.attn.bias')).toBe(false);
  });

  it('forward equals a per-head nanoGPT-style reference within 1e-9', async () => {
    for (const n of [1, 5, tokens.length]) {
      const got = await ops.reveal(await newSession(model).prefill(tokens.slice(0, n)));
      expect(maxAbsDiff(got, reference(loaded, tokens.slice(0, n)))).toBeLessThan(1e-9);
    }
  });

  it('KV-cache decoding gives the same logits as recomputing the full prefix (1e-9)', async () => {
    const s = newSession(model);
    await s.prefill(tokens.slice(0, 4));
    for (let i = 4; i < tokens.length; i++) {
      const inc = await ops.reveal(await s.step(tokens[i]));
      const full = await ops.reveal(await newSession(model).prefill(tokens.slice(0, i + 1)));
      expect(maxAbsDiff(inc, full)).toBeLessThan(1e-9);
    }
  });

  it('generate: greedy logits mode equals token mode; sampling is reproducible per seed; stops at the context end', async () => {
    const a = await generate(model, [1, 2, 3], { maxNewTokens: 10 });
    const b = await generate(model, [1, 2, 3], { maxNewTokens: 10, mode: 'token' });
    expect(a.tokens).toEqual(b.tokens);
    const s1 = await generate(model, [1, 2, 3], { maxNewTokens: 10, temperature: 1, topP: 0.9, seed: 42 });
    const s2 = await generate(model, [1, 2, 3], { maxNewTokens: 10, temperature: 1, topP: 0.9, seed: 42 });
    expect(s1.tokens).toEqual(s2.tokens);
    const stop = await generate(model, [1, 2, 3], { maxNewTokens: 10, stopTokens: [a.tokens[2]] });
    expect(stop.stoppedBy).toBe('stop');
    const ctx = await generate(model, new Array(60).fill(5), { maxNewTokens: 10 });
    expect(ctx.stoppedBy).toBe('context');
    expect(ctx.tokens).toHaveLength(5);
    await expect(generate(model, [1], { maxNewTokens: 2, mode: 'token', temperature: 0.8 })).rejects.toThrow(/greedily/);
  });
});

describe('GPT-2 is vectorised for the secure backend', () => {
  it('the op sequence does not depend on the number of positions; one attend and one gelu per layer', async () => {
    const w = syntheticGpt2(TINY_GPT2, 8);
    const seq = async (n: number, cached: number): Promise<string[]> => {
      const { ops: rec, calls } = recordingOps(new PlainOps());
      const s = newSession(new Gpt2(rec, w));
      if (cached > 0) await s.prefill(new Array(cached).fill(4));
      calls.length = 0;
      await s.prefill(new Array(n).fill(7));
      return calls;
    };
    const one = await seq(1, 0);
    expect(await seq(5, 0)).toEqual(one);
    expect(await seq(1, 7)).toEqual(one);
    for (const op of ['attend', 'gelu']) expect(one.filter((c) => c === op)).toHaveLength(TINY_GPT2.nLayer);
    for (const op of ['softmax', 'bmmT', 'bmm']) expect(one.filter((c) => c === op)).toHaveLength(0); // all inside attend
    expect(one.filter((c) => c === 'layerNorm')).toHaveLength(0);
    expect(one.filter((c) => c === 'normMatmul')).toHaveLength(1); // layer 0's ln_1 → c_attn
    // per layer x + c_proj(y) → ln_2 → c_fc; x + c_proj(f) → the next ln_1 → c_attn, or after the last layer ln_f → LM head
    expect(one.filter((c) => c === 'residualLayerNorm')).toHaveLength(2 * TINY_GPT2.nLayer);
    expect(one.filter((c) => c === 'matmul' || c === 'matmulT')).toHaveLength(0);
  });
});

describe('GPT-2 checkpoint loader rejections (messages name file and tensor)', () => {
  const w = syntheticGpt2(TINY_GPT2, 6);
  const fail = (dir: string, code: string, re: RegExp, file = 'model.safetensors'): void => {
    let err: unknown;
    try {
      loadGpt2Checkpoint(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).code).toBe(code);
    expect((err as Error).message).toContain(join(dir, file));
    expect((err as Error).message).toMatch(re);
  };

  it('NaN weight', () => {
    const dir = writeCheckpoint('nan', w, { edit: (m) => m.set('h.1.ln_2.bias', { shape: [32], data: new Array(32).fill(0).map((_, i) => (i === 7 ? NaN : 0)) }) });
    fail(dir, 'MODEL_ERR_NONFINITE', /tensor 'h\.1\.ln_2\.bias': element 7 is NaN/);
  });

  it('shape that disagrees with config.json', () => {
    const dir = writeCheckpoint('shape', w, { edit: (m) => m.set('h.0.mlp.c_fc.weight', { shape: [128, 32], data: new Array(4096).fill(0) }) });
    fail(dir, 'MODEL_ERR_SHAPE', /tensor 'h\.0\.mlp\.c_fc\.weight': shape \[128,32\] but config\.json implies \[32,128\]/);
  });

  it('missing tensor', () => {
    const dir = writeCheckpoint('missing', w, { edit: (m) => m.delete('ln_f.bias') });
    fail(dir, 'MODEL_ERR_MISSING', /tensor 'ln_f\.bias'/);
  });

  it('truncated safetensors file', () => {
    const dir = writeCheckpoint('trunc', w);
    const full = encodeSafetensors(gpt2TensorsToWrite(w));
    writeFileSync(join(dir, 'model.safetensors'), full.subarray(0, full.length - 10));
    fail(dir, 'MODEL_ERR_TRUNCATED', /tensor 'ln_f\.bias': data ends at byte/);
  });

  it('wrong header: bad JSON, header length past EOF, bad config', () => {
    const dir = writeCheckpoint('hdr', w);
    const bytes = encodeSafetensors(gpt2TensorsToWrite(w));
    bytes[9] = 0x7b; // '{' inside the JSON -> syntax error
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    fail(dir, 'MODEL_ERR_HEADER', /header is not valid UTF-8 JSON/);
    const b2 = encodeSafetensors(gpt2TensorsToWrite(w));
    new DataView(b2.buffer).setBigUint64(0, BigInt(b2.length), true);
    writeFileSync(join(dir, 'model.safetensors'), b2);
    fail(dir, 'MODEL_ERR_TRUNCATED', /header of \d+ bytes/);
    const cdir = writeCheckpoint('cfg', w, { config: { ...gpt2ConfigJson(w.config), n_head: 5 } });
    fail(cdir, 'MODEL_ERR_HEADER', /n_embd 32 is not a multiple of n_head 5/, 'config.json');
    const ldir = writeCheckpoint('llama', w, { config: { ...gpt2ConfigJson(w.config), model_type: 'llama' } });
    fail(ldir, 'MODEL_ERR_HEADER', /model_type "llama" is not GPT-2: this loader reads model_type "gpt2" \(LLaMA models load from llama2\.c \.bin files\)/, 'config.json');
  });
});
