/**
 * LLaMA (llama2.c flavour) written once against Ops<T>: RMSNorm, RoPE, grouped-query attention,
 * SwiGLU, final RMSNorm, classifier tied to the token embedding (or `wcls`).
 *
 * Secure-friendly choices:
 * - wq|wk|wv and w1|w3 are concatenated once at construction (free `concatRows` of weights), so a
 *   layer does ONE matmulT for q,k,v and ONE for the two SwiGLU branches; splits are `takeCols`.
 * - The attention RMSNorm and the q,k,v matmulT are one `normMatmul` (the norm feeds only it;
 *   SecureOps fuses them, 2 rounds fewer), as are the final RMSNorm and the classifier.
 * - RoPE on public positions = x ⊙ cos + swap(x) ⊙ sin', with swap a free pair-swapping takeCols
 *   and public tables; the attention scale 1/sqrt(hs) is folded into q's tables (no extra op).
 * - All heads go through one `attend` (q·kᵀ, softmax with a public causal mask, ·V). Grouped-query
 *   attention groups the nHeads/nKvHeads query heads of one KV head into the rows of one batch
 *   entry, so K and V are never duplicated.
 * - Only the last position goes through the final norm and the LM head.
 */
import { KVCache, type CausalLM } from './causal-lm.js';
import type { LlamaConfig, LlamaWeights } from '../formats/llama2c.js';
import { causalMask, countOf, range, type Ops, type TokenInput } from './ops.js';
import { attention } from './attention.js';
import { tensorOf } from './weights.js';

interface LlamaLayer<T> {
  readonly rmsAtt: T; // [D]
  readonly wqkv: T; // [D + 2·KVD, D]   rows: wq [D,D], wk [KVD,D], wv [KVD,D]
  readonly wo: T; // [D, D]
  readonly rmsFfn: T; // [D]
  readonly w13: T; // [2·H, D]          rows: w1 [H,D], w3 [H,D]
  readonly w2: T; // [D, H]
}

export class Llama<T> implements CausalLM<T> {
  readonly config: LlamaConfig;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly nLayers: number;
  private readonly headSize: number; // hs = D / nHeads
  private readonly kvDim: number; // KVD = hs · nKvHeads
  private readonly tokEmb: T; // [V, D]
  private readonly layers: LlamaLayer<T>[];
  private readonly rmsFinal: T; // [D]
  private readonly wcls: T; // [V, D] (tied: = tokEmb)

  constructor(readonly ops: Ops<T>, weights: LlamaWeights<T>) {
    const c = weights.config;
    this.config = c;
    this.vocabSize = c.vocabSize;
    this.contextLength = c.seqLen;
    this.nLayers = c.nLayers;
    this.headSize = c.dim / c.nHeads;
    this.kvDim = this.headSize * c.nKvHeads;
    const get = (name: string): T => tensorOf(weights, name);
    this.tokEmb = get('token_embedding_table');
    this.layers = [];
    for (let l = 0; l < c.nLayers; l++) {
      const p = `layers.${l}.`;
      this.layers.push({
        rmsAtt: get(p + 'rms_att_weight'),
        wqkv: ops.concatRows([get(p + 'wq'), get(p + 'wk'), get(p + 'wv')]),
        wo: get(p + 'wo'),
        rmsFfn: get(p + 'rms_ffn_weight'),
        w13: ops.concatRows([get(p + 'w1'), get(p + 'w3')]),
        w2: get(p + 'w2'),
      });
    }
    this.rmsFinal = get('rms_final_weight');
    this.wcls = c.sharedClassifier ? this.tokEmb : get('wcls');
  }

  async forward(tokens: TokenInput, cache: KVCache<T>): Promise<T> {
    const { ops, config: c, headSize: hs, kvDim: kvd } = this;
    const d = c.dim;
    const n = countOf(tokens);
    const pos = cache.length;
    const kvh = c.nKvHeads;
    const rope = ropeTables(c, pos, n);
    let x = await ops.embedding(tokens, this.tokEmb); // [n, D]
    for (let l = 0; l < c.nLayers; l++) {
      const w = this.layers[l];
      await ops.scope(`layer${l}`, async () => {
        // ---- attention ----
        const qkv = await ops.normMatmul(x, { gamma: w.rmsAtt, eps: c.normEps }, w.wqkv, true); // rms_att then wq|wk|wv: [n, D + 2·KVD]
        const qk = ops.takeCols(qkv, range(0, d + kvd)); // [n, D + KVD]
        const qkSwap = ops.takeCols(qkv, rope.swap); // [n, D + KVD], pairs (2i, 2i+1) swapped
        const qkRot = await ops.add(await ops.mulPublic(qk, rope.cos), await ops.mulPublic(qkSwap, rope.sin)); // [n, D + KVD]
        const q = ops.takeCols(qkRot, range(0, d)); // [n, D], already scaled by 1/sqrt(hs)
        const kNew = ops.takeCols(qkRot, range(d, d + kvd)); // [n, KVD]
        const vNew = ops.takeCols(qkv, range(d + kvd, d + 2 * kvd)); // [n, KVD]
        const { k, v } = cache.append(ops, l, kNew, vNew); // [T, KVD] each, T = pos + n
        const y = await attention(ops, q, k, v, { heads: c.nHeads, kvHeads: kvh, headSize: hs }, causalMask(n, pos)); // [n, D]
        x = await ops.add(x, await ops.matmulT(y, w.wo)); // [n, D]
        // ---- SwiGLU feed-forward: w2(silu(w1 x) ⊙ w3 x) ----
        const h2 = await ops.rmsNorm(x, w.rmsFfn, c.normEps); // [n, D]
        const ab = await ops.matmulT(h2, w.w13); // [n, 2H]
        const a = await ops.silu(ops.takeCols(ab, range(0, c.hiddenDim))); // [n, H]
        const b = ops.takeCols(ab, range(c.hiddenDim, 2 * c.hiddenDim)); // [n, H]
        x = await ops.add(x, await ops.matmulT(await ops.mul(a, b), w.w2)); // [n, D]
      });
    }
    return ops.normMatmul(ops.sliceRows(x, n - 1, n), { gamma: this.rmsFinal, eps: c.normEps }, this.wcls, true); // rms_final then wcls: [1, V]
  }
}

/**
 * Public RoPE tables for positions pos..pos+n-1 over the q|k columns [n, D + KVD]:
 * out[2i] = x[2i]·cos − x[2i+1]·sin, out[2i+1] = x[2i+1]·cos + x[2i]·sin with angle
 * p·θ^(−2i/hs) (i counted within a head), i.e. out = x ⊙ cos + swap(x) ⊙ sin where
 * sin[2i] = −sin, sin[2i+1] = +sin. The q columns are also multiplied by 1/sqrt(hs).
 */
export function ropeTables(c: LlamaConfig, pos: number, n: number): { cos: Float64Array; sin: Float64Array; swap: number[] } {
  const hs = c.dim / c.nHeads;
  const width = c.dim + (hs * c.nKvHeads); // D + KVD
  const qScale = 1 / Math.sqrt(hs);
  const cos = new Float64Array(n * width); // [n, D + KVD]
  const sin = new Float64Array(n * width); // [n, D + KVD]
  for (let r = 0; r < n; r++) {
    const p = pos + r;
    for (let j = 0; j < width; j += 2) {
      const i = j % hs; // even index within the head
      const angle = p * c.ropeTheta ** (-i / hs);
      const s = j < c.dim ? qScale : 1;
      const cs = Math.cos(angle) * s;
      const sn = Math.sin(angle) * s;
      cos[r * width + j] = cs;
      cos[r * width + j + 1] = cs;
      sin[r * width + j] = -sn;
      sin[r * width + j + 1] = sn;
    }
  }
  const swap = new Array<number>(width);
  for (let j = 0; j < width; j += 2) {
    swap[j] = j + 1;
    swap[j + 1] = j;
  }
  return { cos, sin, swap };
}
