/**
 * GPT-2 written once against Ops<T> (nanoGPT's model.py, HF names): token + learned position
 * embeddings, pre-LN blocks (ln_1 → fused c_attn → causal self-attention → c_proj; ln_2 → c_fc →
 * GeLU → c_proj), ln_f, LM head tied to wte (x·wteᵀ with `matmulT`).
 *
 * Secure-friendly choices: positions are public, so the position embedding is the free
 * `sliceRows(wpe, pos, pos+n)`; q,k,v are column slices (`takeCols`, free) of the fused c_attn
 * output; 1/sqrt(hs) is the softmax's public scale (for hs = 64 a power of two, folded into the
 * exponential's input scale: no multiply); all heads go through one `attend` (q·kᵀ, softmax, ·V)
 * (attention.ts); only the last position reaches ln_f and the LM head. Every LayerNorm reads a
 * residual add and feeds only one matmul, so the three go into one op, `residualLayerNorm` with
 * its `next` matmul (SecureOps: the add's truncation beside the row mean's, the matmul beside the
 * rsqrt's polynomial, 4 rounds fewer than the three ops): c_proj + ln_2 + c_fc; the MLP's c_proj +
 * the next layer's ln_1 + c_attn (so a layer's scope holds the previous layer's MLP c_proj); the
 * last c_proj + ln_f + LM head, on the last position only. Layer 0's ln_1 → c_attn is `normMatmul`.
 */
import { KVCache, type CausalLM } from './causal-lm.js';
import { gpt2GeluForm, type Gpt2Config, type Gpt2Weights } from '../formats/gpt2-checkpoint.js';
import { causalMask, countOf, range, type Ops, type TokenInput } from './ops.js';
import { attention } from './attention.js';
import { tensorOf } from './weights.js';

interface Gpt2Block<T> {
  readonly ln1w: T; // [D]
  readonly ln1b: T; // [D]
  readonly attnW: T; // c_attn.weight [D, 3D]  (columns: q | k | v)
  readonly attnB: T; // c_attn.bias [3D]
  readonly projW: T; // attn.c_proj.weight [D, D]
  readonly projB: T; // attn.c_proj.bias [D]
  readonly ln2w: T; // [D]
  readonly ln2b: T; // [D]
  readonly fcW: T; // mlp.c_fc.weight [D, I]
  readonly fcB: T; // mlp.c_fc.bias [I]
  readonly fcProjW: T; // mlp.c_proj.weight [I, D]
  readonly fcProjB: T; // mlp.c_proj.bias [D]
}

export class Gpt2<T> implements CausalLM<T> {
  readonly config: Gpt2Config;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly nLayers: number;
  private readonly wte: T; // [V, D]
  private readonly wpe: T; // [P, D]
  private readonly blocks: Gpt2Block<T>[];
  private readonly lnfW: T; // [D]
  private readonly lnfB: T; // [D]

  constructor(readonly ops: Ops<T>, weights: Gpt2Weights<T>) {
    const c = weights.config;
    gpt2GeluForm(c); // rejects activations other than GeLU (the backend's ops.gelu picks the form)
    this.config = c;
    this.vocabSize = c.vocabSize;
    this.contextLength = c.nPositions;
    this.nLayers = c.nLayer;
    const get = (name: string): T => tensorOf(weights, name);
    this.wte = get('wte.weight');
    this.wpe = get('wpe.weight');
    this.blocks = [];
    for (let i = 0; i < c.nLayer; i++) {
      const p = `h.${i}.`;
      this.blocks.push({
        ln1w: get(p + 'ln_1.weight'), ln1b: get(p + 'ln_1.bias'),
        attnW: get(p + 'attn.c_attn.weight'), attnB: get(p + 'attn.c_attn.bias'),
        projW: get(p + 'attn.c_proj.weight'), projB: get(p + 'attn.c_proj.bias'),
        ln2w: get(p + 'ln_2.weight'), ln2b: get(p + 'ln_2.bias'),
        fcW: get(p + 'mlp.c_fc.weight'), fcB: get(p + 'mlp.c_fc.bias'),
        fcProjW: get(p + 'mlp.c_proj.weight'), fcProjB: get(p + 'mlp.c_proj.bias'),
      });
    }
    this.lnfW = get('ln_f.weight');
    this.lnfB = get('ln_f.bias');
  }

  async forward(tokens: TokenInput, cache: KVCache<T>): Promise<T> {
    const { ops, config: c } = this;
    const d = c.nEmbd;
    const nh = c.nHead;
    const hs = d / nh;
    const n = countOf(tokens);
    const pos = cache.length;
    const t = pos + n; // keys after this call
    const eps = c.layerNormEps;
    const scale = 1 / Math.sqrt(hs); // inside the softmax: free when a power of two (hs = 64: 2^−3)
    const tok = await ops.embedding(tokens, this.wte); // [n, D]
    let x: T = await ops.add(tok, ops.sliceRows(this.wpe, pos, t)); // [n, D]
    // The MLP's output f [n, I] of the layer before, not yet through its c_proj: the next layer adds
    // x + c_proj(f) in the same op as its ln_1 and c_attn (residualLayerNorm with `next`).
    let pending: { f: T; b: Gpt2Block<T> } | null = null;
    for (let l = 0; l < c.nLayer; l++) {
      const b = this.blocks[l];
      await ops.scope(`layer${l}`, async () => {
        // ---- causal self-attention ----
        const ln1 = { gamma: b.ln1w, beta: b.ln1b, eps };
        let a: T; // ln_1 then c_attn, without its bias: [n, 3D]
        if (pending) [x, a] = await ops.residualLayerNorm(x, pending.f, pending.b.fcProjW, pending.b.fcProjB, ln1.gamma, ln1.beta, eps, b.attnW);
        else a = await ops.normMatmul(x, ln1, b.attnW);
        const qkv = await ops.add(a, b.attnB); // [n, 3D]
        const q = ops.takeCols(qkv, range(0, d)); // [n, D]
        const kNew = ops.takeCols(qkv, range(d, 2 * d)); // [n, D]
        const vNew = ops.takeCols(qkv, range(2 * d, 3 * d)); // [n, D]
        const { k, v } = cache.append(ops, l, kNew, vNew); // [T, D] each
        const y = await attention(ops, q, k, v, { heads: nh, kvHeads: nh, headSize: hs, scale }, causalMask(n, pos)); // [n, D]
        // x + c_proj(y), ln_2 of it and c_fc (one fused op: the matmul's truncation beside the row mean's;
        // c_fc's product beside the rsqrt's polynomial)
        const [x2, fc] = await ops.residualLayerNorm(x, y, b.projW, b.projB, b.ln2w, b.ln2b, eps, b.fcW); // [n, D], [n, I]
        x = x2;
        // ---- MLP (its c_proj goes with the next ln_1) ----
        pending = { f: await ops.gelu(await ops.add(fc, b.fcB)), b }; // f: [n, I]
      });
    }
    // the last c_proj, ln_f and the LM head x·wteᵀ, for the last position only: [1, V]
    const last = pending as { f: T; b: Gpt2Block<T> } | null;
    if (!last) return ops.normMatmul(ops.sliceRows(x, n - 1, n), { gamma: this.lnfW, beta: this.lnfB, eps }, this.wte, true);
    const [, logits] = await ops.residualLayerNorm(ops.sliceRows(x, n - 1, n), ops.sliceRows(last.f, n - 1, n), last.b.fcProjW, last.b.fcProjB, this.lnfW, this.lnfB, eps, this.wte, true);
    return logits;
  }
}
