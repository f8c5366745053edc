/**
 * softmax(x)·V with the normalisation AFTER the product (attention's att·V):
 *
 *   x [B, M, C] scores, V [B, C, D] values  →  y [B, M, D],  y_r = (Σ_j e_rj v_j) / (Σ_j e_rj)
 *
 * The reciprocal r = 1/s is one scalar per row, so (e·r)·V = r·(e·V). fSoftmax followed by a
 * fixed-point bmm puts reciprocal, e·r and the bmm one after the other; here N = e·V runs
 * BESIDE the reciprocal and only the row scaling follows it:
 *
 *   m = row max, e = exp(x·2^−shift − m)      softmaxNumerators (softmax.ts)   rounds as fSoftmax
 *   ┌ r = 1/Σ_row e     rowReciprocals (softmax.ts), scale f + recipExtraBits   fReciprocal
 *   └ N = e·V           fixed-point bmm (fMatmul: local product + truncation)   2 rounds, in parallel
 *   y = N ⊙ r (row-broadcast), one truncation by f + recipExtraBits          1 or 2 rounds
 *
 * so the bmm leaves the critical path: fSoftmax + bmm − 2 rounds.
 * Security: nothing new is sent; every message comes from a reused protocol (raggedMax, expSplit, fReciprocal, fMatmul's and
 * truncMany's dealer truncation, each masked as documented there); the parallel branches run on
 * forked contexts with their own streams and seeds (Party.fork).
 *
 * Precision: e ∈ [0, 1] on the 2^−f grid as in fSoftmax; N is truncated once (≤ 1 ulp), and r
 * carries recipExtraBits more bits, so besides the reciprocal's own relative error (as in fSoftmax)
 * y's rounding error is about |N|·2^−(f + extra) + 1 ulp, ≤ fSoftmax + bmm's (whose e·r is rounded
 * per entry before the bmm sums C of them).
 * Ranges: N's truncation sees |Σ_j e_j v_j| ≤ s·max|v| at scale 2f (s = Σ e ≤ C: the usual
 * product bound, |Σ| < 2^(62−2f)); the scaling sees |N·r| ≈ |y| ≤ max|v| at scale
 * 2f + recipExtraBits, so max|v| < 2^(62 − 2f − recipExtraBits) (2^12 at f = 18, extra 14).
 * Masked (skipped) entries of x never enter the max, the exp or the sums (their e is exactly 0);
 * a row that keeps nothing outputs exactly 0.
 */
import type { OpCost, Party } from '../protocols/context.js';
import { addCosts, branches, parCosts, scoped, withTruncRounds } from '../protocols/context.js';
import { fMatmul, fMatmulCost } from '../protocols/fixed.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import { Acc, repeatRows, truncMany, truncManyCost } from './fused-products.js';
import { prefetchTuples } from '../protocols/trunc-round1.js';
import type { Numerators, SoftmaxOptions } from './softmax.js';
import { keptLengths, recipScale, rowReciprocals, rowReciprocalsCost, softmaxNumerators, softmaxNumeratorsCost, unpackRows } from './softmax.js';

/** softmax(x) along x's last axis, times v, per batch entry: x [B, M, C], v [B, C, D] → [B, M, D]. */
export function fSoftmaxMatmul(p: Party, x: AShare, v: AShare, opts: SoftmaxOptions = {}, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  const [B, M, C, D] = attendDims(x.shape, v.shape);
  return scoped(p, 'softmaxMatmul', async () => {
    const zero = (): AShare => aShare([B, M, D], new BigUint64Array(B * M * D), new BigUint64Array(B * M * D));
    const num = await softmaxNumerators(p, aShare([B * M, C], x.s0, x.s1), opts, cfg);
    if (!num) return zero();
    return normaliseAfter(p, num, v, [B, M, C, D], cfg);
  });
}

/**
 * The tail shared with fAttention (attention.ts): N = e·V beside r = 1/Σe, then y = N ⊙ r.
 * num: the numerators of the B·M score rows; v [B, C, D] → [B, M, D].
 */
export async function normaliseAfter(p: Party, num: Numerators, v: AShare, [B, M, C, D]: readonly [number, number, number, number], cfg: ApproxConfig): Promise<AShare> {
  prefetchTuples(p, [[num.kept.length * D, recipScale(cfg, p.cfg.fracBits)]], cfg.softmax.truncRounds); // the final scaling's, made beside the reciprocal
  const [inv, nv] = await branches<[AShare, AShare]>(p, [
    ['recip', (q) => rowReciprocals(q, num, cfg)],
    [
      'av',
      async (q) => {
        const e = unpackRows(await num.e.take(q), num.lens, [B, M, C]); // skipped entries exactly 0
        return withTruncRounds(q, 2, () => fMatmul(q, e, v)); // large and off the path: the dealer truncation
      },
    ],
  ]);
  // rows that keep something: N's row ⊙ its reciprocal, D entries per row
  const Rk = num.kept.length;
  const n0 = new BigUint64Array(Rk * D);
  const n1 = new BigUint64Array(Rk * D);
  let o = 0;
  num.lens.forEach((len, r) => {
    if (!len) return;
    n0.set(nv.s0.subarray(r * D, (r + 1) * D), o * D);
    n1.set(nv.s1.subarray(r * D, (r + 1) * D), o * D);
    o++;
  });
  const z = new Acc(p, Rk * D).product(aShare([Rk * D], n0, n1), repeatRows(inv, new Array<number>(Rk).fill(D))).done();
  const [y] = await withTruncRounds(p, cfg.softmax.truncRounds, () => truncMany(p, [z], recipScale(cfg, p.cfg.fracBits), 'softmaxMatmul/scale'));
  return unpackRows(y, num.lens.map((len) => (len ? D : 0)), [B, M, D]);
}

/** Declared cost of normaliseAfter for these kept rows, B·M rows of D outputs. */
export function normaliseAfterCost(kept: readonly number[], rowsTimesD: number, D: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18): OpCost {
  // e·V starts once e's replicated form arrives (1 round after the 3-of-3 one the reciprocal starts on)
  return addCosts(parCosts(rowReciprocalsCost(kept, cfg, fracBits), addCosts({ rounds: 1, bytesTotal: 0 }, fMatmulCost(rowsTimesD))), truncManyCost(kept.length * D, cfg.softmax.truncRounds, recipScale(cfg, fracBits)));
}

/** Declared cost of fSoftmaxMatmul over x [B, M, C], v [B, C, D] (rowLengths: B·M rows). */
export function fSoftmaxMatmulCost(B: number, M: number, C: number, D: number, rowLengths?: ArrayLike<number>, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18, inputShift = 0): OpCost {
  const kept = keptLengths(B * M, C, rowLengths);
  if (kept.length === 0) return { rounds: 0, bytesTotal: 0 };
  return addCosts(
    softmaxNumeratorsCost(kept, cfg, fracBits, inputShift),
    normaliseAfterCost(kept, B * M * D, D, cfg, fracBits),
  );
}

export function attendDims(xs: readonly number[], vs: readonly number[]): [number, number, number, number] {
  if (xs.length !== 3 || vs.length !== 3 || xs[0] !== vs[0] || xs[2] !== vs[1]) {
    throw new RangeError(`softmaxMatmul: scores [${xs.join(',')}] and values [${vs.join(',')}] are not [B,M,C] and [B,C,D]`);
  }
  return [xs[0], xs[1], xs[2], vs[2]];
}
