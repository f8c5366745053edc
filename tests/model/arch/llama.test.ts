/**
 * LLaMA on synthetic seeded checkpoints (no shared files needed): llama2.c .bin round trip and
 * rejection of bad files, the batched forward against a literal port of run.c's per-head loops,
 * and KV-cache decoding against full recomputation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSession } from '../../../src/model/arch/causal-lm.js';
import { ModelFileError } from '../../../src/model/errors.js';
import { Llama } from '../../../src/model/arch/llama.js';
import { encodeLlama2c, loadLlama2c, type LlamaConfig, type LlamaWeights } from '../../../src/model/formats/llama2c.js';
import { PlainOps, type PlainTensor } from '../../../src/model/arch/plain-ops.js';
import { mapWeights } from '../../../src/model/arch/weights.js';
import { maxAbsDiff, recordingOps, syntheticLlama, TINY_LLAMA } from '../_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'triform-llama-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ops = new PlainOps();

/** run.c's forward(), position by position, head by head, in float64 (independent reference). */
function runC(w: LlamaWeights<PlainTensor>, tokens: number[]): Float64Array {
  const c = w.config;
  const d = c.dim;
  const hs = d / c.nHeads;
  const kvd = hs * c.nKvHeads;
  const kvMul = c.nHeads / c.nKvHeads;
  const T = (n: string): Float64Array => (w.tensors.get(n) as PlainTensor).data;
  const mv = (x: Float64Array, m: Float64Array, rows: number, cols: number): Float64Array => {
    const o = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) o[i] += m[i * cols + j] * x[j];
    return o;
  };
  const rms = (x: Float64Array, g: Float64Array): Float64Array => {
    let ss = 0;
    for (const v of x) ss += v * v;
    const s = 1 / Math.sqrt(ss / x.length + c.normEps);
    return x.map((v, i) => g[i] * s * v);
  };
  const keys: Float64Array[][] = [...Array(c.nLayers)].map(() => []);
  const vals: Float64Array[][] = [...Array(c.nLayers)].map(() => []);
  let logits: Float64Array = new Float64Array(0);
  tokens.forEach((tok, pos) => {
    let x: Float64Array = T('token_embedding_table').slice(tok * d, (tok + 1) * d);
    for (let l = 0; l < c.nLayers; l++) {
      const p = `layers.${l}.`;
      const xb = rms(x, T(p + 'rms_att_weight'));
      const q = mv(xb, T(p + 'wq'), d, d);
      const k = mv(xb, T(p + 'wk'), kvd, d);
      const v = mv(xb, T(p + 'wv'), kvd, d);
      for (let i = 0; i < d; i += 2) {
        const ang = pos / 10000 ** ((i % hs) / hs);
        const [fcr, fci] = [Math.cos(ang), Math.sin(ang)];
        for (const vec of i < kvd ? [q, k] : [q]) {
          const [v0, v1] = [vec[i], vec[i + 1]];
          vec[i] = v0 * fcr - v1 * fci;
          vec[i + 1] = v0 * fci + v1 * fcr;
        }
      }
      keys[l].push(k);
      vals[l].push(v);
      const out = new Float64Array(d);
      for (let h = 0; h < c.nHeads; h++) {
        const kvh = Math.floor(h / kvMul);
        const att = new Float64Array(pos + 1);
        for (let t = 0; t <= pos; t++) {
          let s = 0;
          for (let i = 0; i < hs; i++) s += q[h * hs + i] * keys[l][t][kvh * hs + i];
          att[t] = s / Math.sqrt(hs);
        }
        const mx = Math.max(...att);
        const e = att.map((a) => Math.exp(a - mx));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let t = 0; t <= pos; t++) for (let i = 0; i < hs; i++) out[h * hs + i] += (e[t] / sum) * vals[l][t][kvh * hs + i];
      }
      x = x.map((xv, i) => xv + mv(out, T(p + 'wo'), d, d)[i]);
      const xb2 = rms(x, T(p + 'rms_ffn_weight'));
      const h1 = mv(xb2, T(p + 'w1'), c.hiddenDim, d);
      const h3 = mv(xb2, T(p + 'w3'), c.hiddenDim, d);
      const hb = h1.map((a, i) => (a / (1 + Math.exp(-a))) * h3[i]);
      const ff = mv(hb, T(p + 'w2'), d, c.hiddenDim);
      x = x.map((xv, i) => xv + ff[i]);
    }
    x = rms(x, T('rms_final_weight'));
    logits = mv(x, T(c.sharedClassifier ? 'token_embedding_table' : 'wcls'), c.vocabSize, d);
  });
  return logits;
}

describe('llama2.c checkpoint loader', () => {
  const w = syntheticLlama(TINY_LLAMA, 11);
  const bytes = encodeLlama2c(w);
  const file = (name: string, b: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, b);
    return p;
  };

  it('round-trips a synthetic checkpoint (unshared classifier, GQA) bit-exactly', () => {
    const back = loadLlama2c(file('ok.bin', bytes));
    expect(back.config).toEqual(TINY_LLAMA);
    for (const [name, t] of w.tensors) expect(back.tensors.get(name)?.data).toEqual(t.data);
    const shared: LlamaConfig = { ...TINY_LLAMA, sharedClassifier: true };
    const ws = syntheticLlama(shared, 12);
    expect(loadLlama2c(file('shared.bin', encodeLlama2c(ws))).tensors.has('wcls')).toBe(false);
  });

  const rejects = (name: string, b: Uint8Array, code: string, re: RegExp): void => {
    const p = file(name, b);
    let err: unknown;
    try {
      loadLlama2c(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).code).toBe(code);
    expect((err as Error).message).toContain(p);
    expect((err as Error).message).toMatch(re);
  };

  it('rejects a truncated file, naming the file and the first tensor that does not fit', () => {
    rejects('trunc.bin', bytes.subarray(0, bytes.length - 100), 'MODEL_ERR_TRUNCATED', /tensor 'wcls'/);
    rejects('trunc2.bin', bytes.subarray(0, 28 + 4 * 40 * 32 + 8), 'MODEL_ERR_TRUNCATED', /tensor 'rms_att_weight'/);
    rejects('tiny.bin', bytes.subarray(0, 10), 'MODEL_ERR_TRUNCATED', /header/);
  });

  it('rejects trailing bytes', () => {
    const big = new Uint8Array(bytes.length + 4);
    big.set(bytes);
    rejects('big.bin', big, 'MODEL_ERR_SIZE', /4 trailing bytes/);
  });

  it('rejects a wrong header (non-positive or inconsistent dims)', () => {
    const bad = (field: number, value: number): Uint8Array => {
      const b = bytes.slice();
      new DataView(b.buffer).setInt32(4 * field, value, true);
      return b;
    };
    rejects('dim0.bin', bad(0, 0), 'MODEL_ERR_HEADER', /dim = 0/);
    rejects('layers.bin', bad(2, -3), 'MODEL_ERR_HEADER', /n_layers = -3/);
    rejects('kv.bin', bad(4, 3), 'MODEL_ERR_HEADER', /n_kv_heads 3/);
    rejects('heads.bin', bad(3, 5), 'MODEL_ERR_HEADER', /n_heads 5/);
  });

  it('rejects a NaN / Inf weight, naming the tensor and element', () => {
    // layers.1.wv element 3: offset = header + emb + rms_att + wq + wk + wv[0] blocks
    const { dim: d, vocabSize: v, nLayers: L } = TINY_LLAMA;
    const kvd = 16;
    const off = 28 + 4 * (v * d + L * d + L * d * d + L * kvd * d + kvd * d + 3);
    const b = bytes.slice();
    new DataView(b.buffer).setFloat32(off, NaN, true);
    rejects('nan.bin', b, 'MODEL_ERR_NONFINITE', /tensor 'layers\.1\.wv': element 3 is NaN/);
    const c = bytes.slice();
    new DataView(c.buffer).setFloat32(c.length - 4, Infinity, true);
    rejects('inf.bin', c, 'MODEL_ERR_NONFINITE', /tensor 'wcls': element 1279 is Infinity/);
  });
});

describe('LLaMA forward (synthetic, GQA, unshared classifier)', () => {
  const w = syntheticLlama(TINY_LLAMA, 21);
  const model = new Llama(ops, w);
  const tokens = [3, 17, 5, 39, 0, 22, 8, 8, 31, 2, 14];

  it('batched prefill equals a literal port of run.c (per position, per head) within 1e-9', async () => {
    for (const n of [1, 4, tokens.length]) {
      const got = await ops.reveal(await newSession(model).prefill(tokens.slice(0, n)));
      expect(maxAbsDiff(got, runC(w, tokens.slice(0, n)))).toBeLessThan(1e-9);
    }
  });

  it('KV-cache decoding gives the same logits as recomputing the full prefix (1e-9)', async () => {
    const s = newSession(model);
    await s.prefill(tokens.slice(0, 3));
    await s.prefill(tokens.slice(3, 5)); // chunked prefill is allowed too
    for (let i = 5; i < tokens.length; i++) {
      const inc = await ops.reveal(await s.step(tokens[i]));
      const full = await ops.reveal(await newSession(model).prefill(tokens.slice(0, i + 1)));
      expect(maxAbsDiff(inc, full)).toBeLessThan(1e-9);
    }
    expect(s.position).toBe(tokens.length);
  });

  it('enforces the context length and keeps the session usable after an out-of-range token', async () => {
    const s = newSession(model);
    await expect(s.prefill(new Array(TINY_LLAMA.seqLen + 1).fill(1))).rejects.toThrow(/context length 24/);
    await s.prefill([1, 2]);
    await expect(s.step(40)).rejects.toThrow(/token 40 .*vocabulary size 40/);
    const after = await ops.reveal(await s.step(3));
    expect(maxAbsDiff(after, await ops.reveal(await newSession(model).prefill([1, 2, 3])))).toBeLessThan(1e-9);
  });
});

describe('LLaMA is vectorised for the secure backend', () => {
  it('the op sequence of a forward pass does not depend on the number of positions; one attend per layer', async () => {
    const w = syntheticLlama(TINY_LLAMA, 31);
    const seq = async (n: number, cached: number): Promise<string[]> => {
      const { ops: rec, calls } = recordingOps(new PlainOps());
      const m = new Llama(rec, w);
      const s = newSession(m);
      if (cached > 0) await s.prefill(new Array(cached).fill(4));
      calls.length = 0;
      await s.prefill(new Array(n).fill(7));
      return calls;
    };
    const one = await seq(1, 0);
    expect(await seq(6, 0)).toEqual(one);
    expect(await seq(1, 9)).toEqual(one);
    expect(one.filter((c) => c === 'attend')).toHaveLength(TINY_LLAMA.nLayers);
    expect(one.filter((c) => c === 'softmax' || c === 'bmmT' || c === 'bmm')).toHaveLength(0); // inside attend
    expect(one.filter((c) => c === 'silu')).toHaveLength(TINY_LLAMA.nLayers);
    expect(one.filter((c) => c === 'matmulT')).toHaveLength(3 * TINY_LLAMA.nLayers); // wo, w13, w2
    expect(one.filter((c) => c === 'rmsNorm')).toHaveLength(TINY_LLAMA.nLayers); // the FFN's
    expect(one.filter((c) => c === 'normMatmul')).toHaveLength(TINY_LLAMA.nLayers + 1); // attention norm → qkv, final norm → LM head
  });

  it('mapWeights carries the weights to another handle type without changing the result', async () => {
    const w = syntheticLlama(TINY_LLAMA, 32);
    const mapped = await mapWeights(w, (_, t) => ({ data: t.data.slice(), shape: t.shape }));
    const a = await ops.reveal(await newSession(new Llama(ops, w)).prefill([1, 2, 3]));
    const b = await ops.reveal(await newSession(new Llama(ops, mapped)).prefill([1, 2, 3]));
    expect(b).toEqual(a);
  });
});
