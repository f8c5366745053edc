/**
 * LLaMA-7B at its real shapes (PUMA's headline scenario), run for a FEW layers in one process and
 * extrapolated to the 32 identical layers (extrapolate.ts).
 *
 * - Shapes: D 4096, 32 heads (no grouped-query attention), SwiGLU hidden 11008, RMSNorm, RoPE,
 *   vocab 32000, untied LM head (wcls), context 2048; `runLayers` of the 32 layers are built.
 * - Weights: seeded synthetic values, TRIVIAL shares (x_0 = encode(w) at P0 and P2, zero
 *   components elsewhere; the ops treat them like secret shares: same bytes and rounds). The
 *   three parties share one encoded copy, so one layer costs ~1.6 GB here instead of
 *   3 × 3.2 GB with full shares (this machine has 24 GB shared by everyone).
 * - wq|wk|wv and w1|w3 are built already concatenated (the model's `concatRows` at construction
 *   is then a no-op, see LlamaBenchOps): concatenation is local and costs no bytes or rounds, and
 *   this avoids a second resident copy of 140M parameters per party per layer.
 */
import type { Party } from '../../src/protocols/context.js';
import type { AShare } from '../../src/protocols/share.js';
import { aShare } from '../../src/protocols/share.js';
import type { ClientLink } from '../../src/protocols/client-link.js';
import { Llama } from '../../src/model/arch/llama.js';
import type { LlamaConfig, LlamaWeights } from '../../src/model/formats/llama2c.js';
import { mulberry32 } from '../../src/model/arch/model-shapes.js';
import { encode } from '../../src/ring/fixed-point.js';
import type { RingConfig } from '../../src/ring/config.js';
import type { SecureOpsOptions } from '../../src/model/secure-ops.js';
import { BenchOps, type LayerProgress } from './bench-ops.js';

/** LLaMA-7B (Touvron et al. 2023): 6.74 B parameters. */
export const LLAMA_7B: LlamaConfig = Object.freeze({
  dim: 4096,
  hiddenDim: 11008,
  nLayers: 32,
  nHeads: 32,
  nKvHeads: 32,
  vocabSize: 32000,
  seqLen: 2048,
  sharedClassifier: false,
  normEps: 1e-5,
  ropeTheta: 10000,
});

export const LLAMA_7B_DESCRIPTION = 'LLaMA-7B: 32 layers, D 4096, 32 heads, SwiGLU 11008, RMSNorm, RoPE, vocab 32000, untied LM head';

/** Tensor names and shapes as the model reads them, with the fused q|k|v and w1|w3 blocks. */
export function llamaBenchTensors(c: LlamaConfig): Map<string, number[]> {
  const d = c.dim;
  const kvd = (d / c.nHeads) * c.nKvHeads;
  const m = new Map<string, number[]>();
  m.set('token_embedding_table', [c.vocabSize, d]);
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}.`;
    m.set(p + 'rms_att_weight', [d]);
    m.set(p + 'wq', [d + 2 * kvd, d]); // wq | wk | wv
    m.set(p + 'wk', [0, d]);
    m.set(p + 'wv', [0, d]);
    m.set(p + 'wo', [d, d]);
    m.set(p + 'rms_ffn_weight', [d]);
    m.set(p + 'w1', [2 * c.hiddenDim, d]); // w1 | w3
    m.set(p + 'w3', [0, d]);
    m.set(p + 'w2', [d, c.hiddenDim]);
  }
  m.set('rms_final_weight', [d]);
  m.set('wcls', [c.vocabSize, d]);
  return m;
}

/** Parameters of the REAL model (all layers, the fused blocks counted once). */
export function llamaParameterCount(c: LlamaConfig): number {
  let n = 0;
  for (const sh of llamaBenchTensors(c).values()) n += sh.reduce((a, b) => a * b, 1);
  return n;
}

/** Encoded synthetic values: norm gains 1 ± 0.1, embedding ± 0.1, matrices ± 0.5/sqrt(fan-in). */
function encodedTensor(name: string, shape: readonly number[], cfg: RingConfig, seed: number): BigUint64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = mulberry32((seed * 2654435761) ^ [...name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 0x01000193), 0x811c9dc5));
  const isGain = name.includes('rms_');
  const scale = isGain ? 0.1 : name === 'token_embedding_table' ? 0.1 : 0.5 / Math.sqrt(shape[shape.length - 1]);
  const out = new BigUint64Array(n);
  const chunk = new Float64Array(Math.min(n, 1 << 20));
  for (let o = 0; o < n; o += chunk.length) {
    const len = Math.min(chunk.length, n - o);
    const part = len === chunk.length ? chunk : chunk.subarray(0, len);
    for (let i = 0; i < len; i++) part[i] = (isGain ? 1 : 0) + scale * (2 * r() - 1);
    out.set(encode(part, cfg, name), o);
  }
  return out;
}

/** The three parties' trivial weight shares (one shared encoded copy, one shared zero buffer). */
export async function buildLlamaLocalWeights(c: LlamaConfig, cfg: RingConfig, seed: number, onTensor?: (i: number, count: number) => void): Promise<[LlamaWeights<AShare>, LlamaWeights<AShare>, LlamaWeights<AShare>]> {
  const shapes = llamaBenchTensors(c);
  let largest = 0;
  for (const sh of shapes.values()) largest = Math.max(largest, sh.reduce((a, b) => a * b, 1));
  const zeros = new BigUint64Array(largest);
  const maps = [new Map<string, AShare>(), new Map<string, AShare>(), new Map<string, AShare>()];
  let i = 0;
  for (const [name, sh] of shapes) {
    const n = sh.reduce((a, b) => a * b, 1);
    const z = zeros.subarray(0, n);
    const x = n === 0 ? z : encodedTensor(name, sh, cfg, seed);
    maps[0].set(name, aShare(sh, x, z));
    maps[1].set(name, aShare(sh, z, z));
    maps[2].set(name, aShare(sh, z, x));
    onTensor?.(i++, shapes.size);
    await new Promise((r) => setImmediate(r));
  }
  const w = (k: number): LlamaWeights<AShare> => ({ config: c, tensors: maps[k] });
  return [w(0), w(1), w(2)];
}

/** BenchOps whose concatRows passes a block through when the other parts are empty (pre-fused weights). */
export class LlamaBenchOps extends BenchOps {
  constructor(party: Party, client: ClientLink, opts: SecureOpsOptions, onLayer?: LayerProgress) {
    super(party, client, opts, onLayer);
  }

  override concatRows(xs: readonly AShare[]): AShare {
    const nonEmpty = xs.filter((x) => x.shape[0] > 0);
    return nonEmpty.length === 1 && nonEmpty[0].shape.length === xs[0].shape.length ? nonEmpty[0] : super.concatRows(xs);
  }
}

export function llamaModel(party: Party, port: ClientLink, opts: SecureOpsOptions, weights: LlamaWeights<AShare>, onLayer?: LayerProgress): Llama<AShare> {
  return new Llama(new LlamaBenchOps(party, port, opts, onLayer), weights);
}
