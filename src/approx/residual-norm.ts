/**
 * The residual add of a transformer block fused with the LayerNorm that reads it (GPT-2's
 * c_proj → ln_2, BERT's post-LN after attention and after the MLP):
 *
 *   x' = x + h·W + b  [M, D],   y = LayerNorm(x')
 *
 * Unfused this is a fixed-point matmul (local product, truncation: 2 rounds), then LayerNorm's row
 * mean (a truncation: 2 rounds), then the rest of LayerNorm. Here both truncations read the same
 * untruncated 3-of-3 sum u = (x + b)·2^f + h·W (scale 2f) and run side by side:
 *
 *   x'            = trunc_f(u)                                              (the residual stream)
 *   c·(x' − mean) = trunc_{f+k}(D·u − Σ_row u),  c = D/2^k, k = ⌈log2 D⌉     (centred, no division)
 *
 * and LayerNorm is scale-free in its centred input (G = c·(x' − mean)·γ and √V both carry c), so c
 * only moves eps to eps·c² (norm.ts layerNormCentered). Rounds: 2 + LayerNorm after the mean,
 * i.e. 2 fewer than matmul + LayerNorm. Bytes: one more truncation of [M, D] (the centred rows),
 * one fewer of [M] (the mean). With `keepSum: false` (BERT: the normalised rows are the next
 * residual) the x' truncation is skipped. With `next` (GPT-2's c_fc) the LayerNorm's output goes
 * straight into that matmul, fused as in norm-matmul.ts (2 rounds fewer again): the second result
 * is LayerNorm(x')·next.
 *
 * Masks: the truncations re-mask everything they send (trunc.ts). Their 3-of-3 inputs must carry
 * independent zero sharings: u has matmulLocal's, and D·u − Σu gets a fresh one. (With u's mask
 * alone, a party that received the dealer's u-share in one truncation and the other dealer's
 * (D·u − Σu)-share in the other would hold all three shares of D·u − Σu, i.e. the centred rows.)
 *
 * Ranges: |x'| ≤ norm.inputBound (4096 by default) as for LayerNorm, so |u| < 2^(12 + 2f) and
 * |D·u − Σu| < 2^(13 + 2f + log2 D) (2^58.6 at f = 18, D = 768): below the truncation's 2^62.
 */
import type { OpCost, Party } from '../protocols/context.js';
import { addCosts, lazyBranch, parCosts, scoped, withTruncRounds } from '../protocols/context.js';
import type { TruncRounds } from './fused-products.js';
import { matmulDims, matmulLocal } from '../protocols/arith.js';
import { truncAdditive, truncAdditiveCost } from '../protocols/trunc.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import { layerNormCentered, layerNormCenteredCost } from './norm.js';
import { fNormMatmul, fNormMatmulCost } from './norm-matmul.js';

export interface ResidualNormOptions {
  /** Also return x' (default true); BERT's post-LN needs only the normalised rows. */
  readonly keepSum?: boolean;
  /** W is [D, K] (x' = x + h·Wᵀ + b: llama2.c / BERT layout) instead of [K, D]. */
  readonly transB?: boolean;
  /** The matmul after the LayerNorm, [D, N]: the second result is LayerNorm(x')·next [M, N] (norm-matmul.ts). */
  readonly next?: AShare;
  /** next is [N, D] (LayerNorm(x')·nextᵀ: the tied LM head) instead of [D, N]. */
  readonly nextTransB?: boolean;
  /** Meter label of next's row scaling (default 'matmul'; 'lmHead' for the LM head). */
  readonly nextLabel?: string;
}

/** ⌈log2 D⌉: the centred rows come out as c·(x' − mean) with c = D/2^k ∈ (0.5, 1]. */
const centreBits = (D: number): number => Math.ceil(Math.log2(D));

function checkShapes(x: AShare, h: AShare, w: AShare, b: AShare, gamma: AShare, beta: AShare, transB: boolean): { M: number; K: number; D: number } {
  if (x.shape.length !== 2 || h.shape.length !== 2 || w.shape.length !== 2) throw new RangeError(`residualLayerNorm: x, h and W must be matrices, got [${x.shape}], [${h.shape}], [${w.shape}]`);
  const [M, D] = x.shape;
  const [Mh, K] = h.shape;
  const [wk, wd] = transB ? [w.shape[1], w.shape[0]] : [w.shape[0], w.shape[1]];
  if (Mh !== M || wk !== K || wd !== D) throw new RangeError(`residualLayerNorm: x [${x.shape}] + h [${h.shape}]·W [${w.shape}] do not fit${transB ? ' (W transposed)' : ''}`);
  for (const [name, v] of [['b', b], ['gamma', gamma], ['beta', beta]] as const) {
    if (v.s0.length !== D) throw new RangeError(`residualLayerNorm: ${name} has ${v.s0.length} elements for rows of ${D}`);
  }
  return { M, K, D };
}

/**
 * [x + h·W + b, LayerNorm(x + h·W + b)] for x [M, D], h [M, K], W [K, D] (or [D, K] with transB),
 * b, γ, β [D] (scale f).
 * The first entry is null with keepSum: false.
 */
export function residualLayerNorm(
  p: Party,
  x: AShare,
  h: AShare,
  w: AShare,
  b: AShare,
  gamma: AShare,
  beta: AShare,
  eps: number,
  opts: ResidualNormOptions = {},
  cfg: ApproxConfig = DEFAULT_APPROX_CONFIG,
): Promise<[AShare | null, AShare]> {
  const { M, D } = checkShapes(x, h, w, b, gamma, beta, opts.transB ?? false);
  if (opts.next) matmulDims([M, D], opts.next.shape, opts.nextTransB ?? false); // throws on a mismatch before any message
  const f = p.cfg.fracBits;
  const k = centreBits(D);
  const c = D / 2 ** k;
  const keepSum = opts.keepSum ?? true;
  return (async () => {
    // u = h·W (3-of-3, zero-masked by matmulLocal) + (x + b)·2^f: party i adds component i of the
    // replicated x + b, so the parts still sum to u
    const { z: u } = await scoped(p, 'matmul', () => matmulLocal(p, h, w, opts.transB ?? false));
    const { k: kern } = p;
    const xb = new BigUint64Array(M * D);
    for (let r = 0; r < M; r++) kern.add(xb.subarray(r * D, (r + 1) * D), x.s0.subarray(r * D, (r + 1) * D), b.s0);
    kern.shl(xb, xb, f);
    kern.add(u, u, xb);
    // v = D·u − Σ_row u, plus a fresh zero sharing (see the header)
    const v = new BigUint64Array(M * D);
    const rowSum = new BigUint64Array(M);
    kern.sumRows(rowSum, u, M, D);
    kern.mulScalar(v, u, BigInt(D));
    for (let r = 0; r < M; r++) kern.addScalar(v.subarray(r * D, (r + 1) * D), v.subarray(r * D, (r + 1) * D), BigInt.asUintN(64, -rowSum[r]));
    kern.add(v, v, p.prss.zero(M * D));
    // the residual stream is off the path: the dealer truncation on a branch taken at the end; the
    // centred rows in the norm's protocol
    const sumBranch = keepSum ? lazyBranch(p, 'matmul', (q) => withTruncRounds(q, 2, () => truncAdditive(q, u, [M, D], f, 'residual/sum'))) : null;
    const centred = await scoped(p, 'layerNorm', () => withTruncRounds(p, cfg.norm.truncRounds, () => truncAdditive(p, v, [M * D], f + k, 'layerNorm/centre')));
    let y: AShare;
    if (opts.next) y = await fNormMatmul(p, aShare([M, D], centred.s0, centred.s1), { gamma, beta, eps: eps * c * c, centred: true }, opts.next, opts.nextTransB ?? false, opts.nextLabel ?? 'matmul', cfg);
    else {
      const yc = await scoped(p, 'layerNorm', () => withTruncRounds(p, cfg.norm.truncRounds, () => layerNormCentered(p, centred, gamma, beta, M, D, eps * c * c)));
      y = aShare([M, D], yc.s0, yc.s1);
    }
    return [sumBranch ? await sumBranch.take(p) : null, y];
  })();
}

/**
 * Declared cost for x [M, D] (the matmul's product is local); nextCols: N of opts.next. `tr`:
 * cfg.norm.truncRounds of the call; `ptr`: the fused matmul's products, productTruncRounds(M·N, cfg).
 */
export function residualLayerNormCost(
  M: number,
  D: number,
  eps: number,
  opts: Omit<ResidualNormOptions, 'next'> & { nextCols?: number } = {},
  fracBits = 18,
  tr: TruncRounds = DEFAULT_APPROX_CONFIG.norm.truncRounds,
  ptr: TruncRounds = 2,
): OpCost {
  const k = centreBits(D);
  const c = D / 2 ** k;
  const centred = truncAdditiveCost(M * D, tr, fracBits + k);
  const norm = opts.nextCols === undefined ? layerNormCenteredCost(M, D, eps * c * c, fracBits, tr) : fNormMatmulCost(M, D, opts.nextCols, eps * c * c, 'centred', fracBits, tr, ptr);
  const path = addCosts(centred, norm);
  // the residual sum's truncation on its branch: its rounds overlap the path (taken at the end)
  return (opts.keepSum ?? true) ? parCosts(path, truncAdditiveCost(M * D)) : path;
}
