/**
 * BERT encoder (bert-base-uncased architecture, HF BertModel names) written once against Ops<T>:
 * word + learned position + token-type embeddings, embedding LayerNorm, then L post-LN blocks
 * (fused q|k|v → bidirectional self-attention → output dense → residual → LayerNorm; intermediate
 * dense → GeLU → output dense → residual → LayerNorm). `encode` returns the last hidden states
 * [n, D] of every position.
 *
 * Not included: the pooler (dense + tanh on [CLS]) and task heads, which sit on top of the hidden
 * states (`Ops` has no tanh; a client-side head can work on the revealed [CLS] row); attention
 * padding masks (one unpadded sequence per call); token types other than 0 (single-segment input).
 *
 * Secure-friendly choices:
 * - query|key|value weights [D, D] each (torch [out, in] layout) are concatenated once at
 *   construction (free `concatRows`), so a layer does ONE matmulT for q, k, v; splits are `takeCols`.
 * - Positions are public: the position embedding is the free `sliceRows(P, 0, n)`, and the
 *   token-type row 0 is a free `sliceRows` too; the two adds are local on shares.
 * - 1/sqrt(hs) is the softmax's public scale (hs = 64: a power of two, folded into the exponential:
 *   no multiply).
 * - All heads go through one bmmT, one softmax (no mask: attention is bidirectional) and one bmm.
 * - GeLU: HF BERT uses the erf form ("gelu"); the backend's `ops.gelu` picks the form (PlainOps:
 *   `new PlainOps({ gelu: bertGeluForm(config) })`; SecureOps: PUMA's GeLU approximation).
 */
import { bertGeluForm, type BertConfig, type BertWeights } from '../formats/bert-checkpoint.js';
import { countOf, range, type Ops, type TokenInput } from './ops.js';
import { attention } from './attention.js';
import { tensorOf } from './weights.js';

interface BertLayer<T> {
  readonly wqkv: T; // [3D, D]   rows: query [D,D], key [D,D], value [D,D]
  readonly bqkv: T; // [3D]
  readonly attnOutW: T; // attention.output.dense.weight [D, D]
  readonly attnOutB: T; // attention.output.dense.bias [D]
  readonly attnLnW: T; // attention.output.LayerNorm.weight [D]
  readonly attnLnB: T; // attention.output.LayerNorm.bias [D]
  readonly interW: T; // intermediate.dense.weight [I, D]
  readonly interB: T; // intermediate.dense.bias [I]
  readonly outW: T; // output.dense.weight [D, I]
  readonly outB: T; // output.dense.bias [D]
  readonly outLnW: T; // output.LayerNorm.weight [D]
  readonly outLnB: T; // output.LayerNorm.bias [D]
}

export class Bert<T> {
  readonly config: BertConfig;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly nLayers: number;
  private readonly wordEmb: T; // [V, D]
  private readonly posEmb: T; // [P, D]
  private readonly typeEmb0: T; // [D], token type 0
  private readonly embLnW: T; // [D]
  private readonly embLnB: T; // [D]
  private readonly layers: BertLayer<T>[];

  constructor(readonly ops: Ops<T>, weights: BertWeights<T>) {
    const c = weights.config;
    bertGeluForm(c); // rejects activations other than GeLU (the backend's ops.gelu picks the form)
    this.config = c;
    this.vocabSize = c.vocabSize;
    this.contextLength = c.maxPositionEmbeddings;
    this.nLayers = c.numHiddenLayers;
    const d = c.hiddenSize;
    const get = (name: string): T => tensorOf(weights, name);
    this.wordEmb = get('embeddings.word_embeddings.weight');
    this.posEmb = get('embeddings.position_embeddings.weight');
    this.typeEmb0 = ops.reshape(ops.sliceRows(get('embeddings.token_type_embeddings.weight'), 0, 1), [d]);
    this.embLnW = get('embeddings.LayerNorm.weight');
    this.embLnB = get('embeddings.LayerNorm.bias');
    this.layers = [];
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const p = `encoder.layer.${l}.`;
      const s = p + 'attention.self.';
      this.layers.push({
        wqkv: ops.concatRows([get(s + 'query.weight'), get(s + 'key.weight'), get(s + 'value.weight')]),
        bqkv: ops.concatRows([get(s + 'query.bias'), get(s + 'key.bias'), get(s + 'value.bias')]),
        attnOutW: get(p + 'attention.output.dense.weight'), attnOutB: get(p + 'attention.output.dense.bias'),
        attnLnW: get(p + 'attention.output.LayerNorm.weight'), attnLnB: get(p + 'attention.output.LayerNorm.bias'),
        interW: get(p + 'intermediate.dense.weight'), interB: get(p + 'intermediate.dense.bias'),
        outW: get(p + 'output.dense.weight'), outB: get(p + 'output.dense.bias'),
        outLnW: get(p + 'output.LayerNorm.weight'), outLnB: get(p + 'output.LayerNorm.bias'),
      });
    }
  }

  /** Last hidden states [n, D] of tokens at positions 0..n-1 (token type 0, no padding). */
  async encode(tokens: TokenInput): Promise<T> {
    const { ops, config: c } = this;
    const d = c.hiddenSize;
    const nh = c.numAttentionHeads;
    const hs = d / nh;
    const n = countOf(tokens);
    const eps = c.layerNormEps;
    if (n > c.maxPositionEmbeddings) throw new RangeError(`BERT: ${n} tokens exceed max_position_embeddings ${c.maxPositionEmbeddings}`);
    const scale = 1 / Math.sqrt(hs); // inside the softmax: free when a power of two (hs = 64: 2^−3)
    // ---- embeddings ----
    const tok = await ops.embedding(tokens, this.wordEmb); // [n, D]
    const posType = await ops.add(ops.sliceRows(this.posEmb, 0, n), this.typeEmb0); // [n, D]
    let x = await ops.layerNorm(await ops.add(tok, posType), this.embLnW, this.embLnB, eps); // [n, D]
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const w = this.layers[l];
      await ops.scope(`layer${l}`, async () => {
        // ---- bidirectional self-attention, post-LN ----
        const qkv = await ops.add(await ops.matmulT(x, w.wqkv), w.bqkv); // [n, 3D]
        const q = ops.takeCols(qkv, range(0, d)); // [n, D]
        const k = ops.takeCols(qkv, range(d, 2 * d)); // [n, D]
        const v = ops.takeCols(qkv, range(2 * d, 3 * d)); // [n, D]
        const y = await attention(ops, q, k, v, { heads: nh, kvHeads: nh, headSize: hs, scale }); // [n, D], no mask
        x = await ops.postLayerNorm(x, y, w.attnOutW, w.attnOutB, w.attnLnW, w.attnLnB, eps); // [n, D] = LN(x + y·Woᵀ + bo)
        // ---- feed-forward, post-LN ----
        const f = await ops.gelu(await ops.add(await ops.matmulT(x, w.interW), w.interB)); // [n, I]
        x = await ops.postLayerNorm(x, f, w.outW, w.outB, w.outLnW, w.outLnB, eps); // [n, D] = LN(x + f·Woutᵀ + bout)
      });
    }
    return x; // [n, D]
  }
}
