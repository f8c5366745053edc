/**
 * Scaled dot-product attention on shares, from q and k rather than from truncated scores:
 *
 *   q [B, M, K], k [B, C, K], v [B, C, D]  →  y [B, M, D] = softmax(2^−shift · q kᵀ) v
 *
 *   z = q kᵀ, the local 3-of-3 product at scale 2f (no communication)
 *   row max of z's kept entries (raggedMaxEarly, src/protocols/max-early.ts):
 *     ┌ first level's comparisons on z itself (splitAdditive beside msb's input round)
 *     └ scores = z truncated by f (dealt by P0), only the kept entries     2 rounds
 *   e = exp(scores·2^−shift − max), then N = e·V beside r = 1/Σe, y = N ⊙ r (softmax-matmul.ts)
 *
 * = bmmT + fSoftmaxMatmul − 1 round: the row max's first msb no longer waits for the scores'
 * truncation (which, dealt by P0, already hid one of its two rounds under that msb's input round).
 * Bytes: + 16 per kept score (splitAdditive); the truncation covers only the kept scores (a causal
 * mask halves it). Security: splitAdditive's messages are masked by PRSS values the receiver lacks;
 * the truncation is truncAdditive with P0 dealing (z carries matmulLocal's zero-sharing, as in
 * fMatmul); the rest reuses the protocols of fSoftmaxMatmul. Branches run on forked contexts.
 *
 * Ranges: |z| < 2^62 (the product bound of any fixed-point matmul, |q·k| < 2^(62−2f)), so the
 * first level's differences |z_i − z_j| < 2^63 compare exactly; the selected maximum is a
 * truncated score of a maximal z, so x − max ≤ 1 ulp (a near-tie within the truncation's ±1 ulp
 * may pick the other entry; exp is fine slightly above 0). Otherwise as fSoftmaxMatmul.
 */
import type { OpCost, Party } from '../protocols/context.js';
import { addCosts, scoped, withTruncRounds } from '../protocols/context.js';
import { matmulLocal } from '../protocols/arith.js';
import { truncAdditive, truncAdditiveCost } from '../protocols/trunc.js';
import { raggedMaxEarly, raggedMaxEarlyCost } from '../protocols/max-early.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import { expSplitCost } from './exp.js';
import type { SoftmaxOptions } from './softmax.js';
import { expNumerators, keptLengths, packRows, rowLengthsOf, rowMaxArity, startNumeratorTuples } from './softmax.js';
import { attendDims, normaliseAfter, normaliseAfterCost } from './softmax-matmul.js';

/** softmax(2^−shift · q kᵀ)·v per batch entry (q [B,M,K], k [B,C,K], v [B,C,D] → [B,M,D]); rowLengths over the B·M rows. */
export function fAttention(p: Party, q: AShare, k: AShare, v: AShare, opts: SoftmaxOptions = {}, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  if (q.shape.length !== 3 || k.shape.length !== 3 || q.shape[0] !== k.shape[0] || q.shape[2] !== k.shape[2]) {
    throw new RangeError(`attention: q [${q.shape.join(',')}] and k [${k.shape.join(',')}] are not [B,M,K] and [B,C,K]`);
  }
  const [B, M, C, D] = attendDims([q.shape[0], q.shape[1], k.shape[1]], v.shape);
  return scoped(p, 'attention', async () => {
    const lens = rowLengthsOf(B * M, C, opts.rowLengths);
    const kept = lens.filter((len) => len > 0);
    const N = kept.reduce((t, len) => t + len, 0);
    if (N === 0) return aShare([B, M, D], new BigUint64Array(B * M * D), new BigUint64Array(B * M * D));
    const { z } = await matmulLocal(p, q, k, true); // [B·M·C] 3-of-3 at scale 2f
    const zp = packRows(z, lens, C);
    // q·kᵀ's fixed-point truncation, metered as 'fMatmul' like bmmT's (the bench's truncation view)
    const scores = (b: Party): Promise<AShare> =>
      scoped(b, 'fMatmul', () => {
        b.dealNextToP0(); // P0 deals: P1's and P2's shares of z leave them only masked
        return withTruncRounds(b, 2, () => truncAdditive(b, zp, [N], p.cfg.fracBits, 'attention/scores')); // beside the row max's first level: the dealer truncation
      });
    const early = startNumeratorTuples(p, N, opts, cfg); // the exp's tuples, made during the row max
    const { max, values } = await raggedMaxEarly(p, zp, scores, kept, rowMaxArity(cfg, kept));
    const num = await expNumerators(p, values, max, lens, opts, cfg, early);
    return normaliseAfter(p, num, v, [B, M, C, D], cfg);
  });
}

/** Declared cost of fAttention over B·M query rows of C keys, D value columns (rowLengths: B·M rows). */
export function fAttentionCost(B: number, M: number, C: number, D: number, rowLengths?: ArrayLike<number>, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18, inputShift = 0): OpCost {
  const kept = keptLengths(B * M, C, rowLengths);
  const N = kept.reduce((t, len) => t + len, 0);
  if (N === 0) return { rounds: 0, bytesTotal: 0 };
  const ex = expSplitCost(N, cfg.softmax.exp, fracBits, inputShift, cfg.softmax.truncRounds);
  return addCosts(
    raggedMaxEarlyCost(kept, rowMaxArity(cfg, kept), truncAdditiveCost(N)),
    ex.main,
    { ...ex.kept, rounds: 0 }, // e's replicated form beside the reciprocal's comparisons
    normaliseAfterCost(kept, B * M * D, D, cfg, fracBits),
  );
}
