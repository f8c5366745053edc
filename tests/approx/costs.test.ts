/**
 * Declared cost = measured cost (bytes summed over the parties, rounds on the critical path) for
 * every function of src/approx, at several sizes, plus their round budgets and meter labels.
 */
import { describe, expect, it } from 'vitest';
import { fExp, fExpCost } from '../../src/approx/exp.js';
import { fReciprocal, fReciprocalCost } from '../../src/approx/reciprocal.js';
import { fRsqrt, fRsqrtCost } from '../../src/approx/rsqrt.js';
import { fGelu, fGeluCost } from '../../src/approx/gelu.js';
import { fSilu, fSiluCost } from '../../src/approx/silu.js';
import { fSoftmaxCost, causalRowLengths } from '../../src/approx/softmax.js';
import { fSoftmaxMatmulCost } from '../../src/approx/softmax-matmul.js';
import { fLayerNormCost, fRmsNormCost } from '../../src/approx/norm.js';
import { fNormMatmulCost } from '../../src/approx/norm-matmul.js';
import { fMatmulCost } from '../../src/protocols/fixed.js';
import { approxConfig, PUMA_APPROX_CONFIG, PUMA_EXP, TAYLOR4_EXP } from '../../src/approx/config.js';
import { expectCost, run, uniform } from './_harness.js';
import { withTruncRounds } from '../../src/protocols/context.js';

describe('declared cost = measured cost', () => {
  for (const n of [1, 100, 777]) {
    const neg = uniform(n, -20, 0, n);
    const pos = uniform(n, 0.01, 100, n + 1);
    const any = uniform(n, -10, 10, n + 2);
    it(`n = ${n}: exp, reciprocal, rsqrt, gelu, silu (both variants)`, async () => {
      for (const e of [PUMA_EXP, TAYLOR4_EXP]) expectCost((await run([{ data: neg, shape: [n] }], (p, [X]) => fExp(p, X, e))).cost, 'exp', fExpCost(n, e));
      expectCost((await run([{ data: pos, shape: [n] }], (p, [X]) => fReciprocal(p, X))).cost, 'reciprocal', fReciprocalCost(n));
      const ro = { positive: true, minAbs: 0.01, maxAbs: 100, outScale: 24 };
      expectCost((await run([{ data: pos, shape: [n] }], (p, [X]) => fReciprocal(p, X, ro))).cost, 'reciprocal', fReciprocalCost(n, ro));
      expectCost((await run([{ data: pos, shape: [n] }], (p, [X]) => fRsqrt(p, X))).cost, 'rsqrt', fRsqrtCost(n));
      for (const cfg of [approxConfig(), PUMA_APPROX_CONFIG]) {
        expectCost((await run([{ data: any, shape: [n] }], (p, [X]) => fGelu(p, X, cfg))).cost, 'gelu', fGeluCost(n, cfg));
        expectCost((await run([{ data: any, shape: [n] }], (p, [X]) => fSilu(p, X, cfg))).cost, 'silu', fSiluCost(n, cfg));
      }
    });

    it(`n = ${n}: exp, reciprocal, rsqrt under the 1-round truncation (withTruncRounds)`, async () => {
      for (const e of [PUMA_EXP, TAYLOR4_EXP]) expectCost((await run([{ data: neg, shape: [n] }], (p, [X]) => withTruncRounds(p, 1, () => fExp(p, X, e)))).cost, 'exp', fExpCost(n, e, 18, 0, 1));
      expectCost((await run([{ data: pos, shape: [n] }], (p, [X]) => withTruncRounds(p, 1, () => fReciprocal(p, X)))).cost, 'reciprocal', fReciprocalCost(n, {}, undefined, 18, 1));
      const ro = { positive: true, minAbs: 0.01, maxAbs: 100, outScale: 24 };
      expectCost((await run([{ data: pos, shape: [n] }], (p, [X]) => withTruncRounds(p, 1, () => fReciprocal(p, X, ro)))).cost, 'reciprocal', fReciprocalCost(n, ro, undefined, 18, 1));
      expectCost((await run([{ data: pos, shape: [n] }], (p, [X]) => withTruncRounds(p, 1, () => fRsqrt(p, X)))).cost, 'rsqrt', fRsqrtCost(n, {}, 18, 1));
    });
  }

  it('nested meter labels', async () => {
    const { cost } = await run([{ data: [1, -2, 3], shape: [3] }], (p, [X]) => fGelu(p, X));
    for (const l of ['gelu', 'gelu/segments', 'gelu/segments/msb', 'gelu/powers', 'gelu/powers/poly', 'gelu/mulA1BPair']) expect(cost.ops[l], l).toBeDefined();
    const r = await run([{ data: [1, 2, 3], shape: [3] }], (p, [X]) => fReciprocal(p, X));
    for (const l of ['reciprocal/highbit/msb', 'reciprocal/norm/weighTimes/mulA1BPair', 'reciprocal/table/b2aPair']) expect(r.cost.ops[l], l).toBeDefined();
  });

  it('round budgets', () => {
    const cfg = approxConfig();
    // segment comparisons (msb 5) beside the powers (3 levels, 6) on forks, then mulA1B 2 (was 16, then 10)
    expect(fGeluCost(1000, cfg).rounds).toBe(8);
    expect(fGeluCost(1000, PUMA_APPROX_CONFIG).rounds).toBe(8);
    expect(fSiluCost(1000, cfg).rounds).toBe(8);
    // the mask (msb + mux) applied to the result, the msb beside the whole power chain (was 17 and 13 with the mux on the base)
    expect(fExpCost(1000, PUMA_EXP).rounds).toBe(12); // max(msb 5, 5 squarings of 2) + mux 2 (trunc by t folded in)
    expect(fExpCost(1000, TAYLOR4_EXP).rounds).toBe(12); // max(msb 5, base 4 + 3 squarings of 2) + mux 2 (was 20, 16, 13)
    expect(fExpCost(1000, TAYLOR4_EXP).bytesTotal).toBe(fExpCost(1000, PUMA_EXP).bytesTotal);
    // the normalising product straight from the comparison bits (weighTimes): one round less than b2a + multiply (was 15, 15, 18, 16),
    // and since 2026-12-03 from their 2-of-2 halves (mulA1BPairAdditive, b2aPair): one round less again (was 14, 14)
    expect(fReciprocalCost(1000).rounds).toBe(13);
    expect(fRsqrtCost(1000).rounds).toBe(13);
    // per-row comparisons (≤ RADIX8_COMPARISONS) use msb's radix-8 carry tree: one round less (was 17 and 15, then 16 and 14)
    expect(fLayerNormCost(128, 768, 1e-5, 18, 2).rounds).toBe(15);
    expect(fRmsNormCost(128, 768, 1e-5, 18, 2).rounds).toBe(13);
    // the default norm.truncRounds = 1: the rsqrt's normalisation, polynomial and table and the final scaling in one round each, and
    // the comparisons on the untruncated variance (its truncation beside the msb)
    expect(fLayerNormCost(128, 768, 1e-5).rounds).toBe(10); // 11 and 9 with the bits made replicated first
    expect(fRmsNormCost(128, 768, 1e-5).rounds).toBe(8);
    expect(fExpCost(1000, TAYLOR4_EXP, 18, 0, 1).rounds).toBe(7); // max(msb 5, base 2 + 3 one-round squarings) + mux 2
    expect(fReciprocalCost(100, {}, undefined, 18, 1).rounds).toBe(8); // msbPair 3 + max(1 + 1, b2aPair 2) + guess 1 + 2 iterations
    expect(fReciprocalCost(100).rounds).toBe(12);
    expect(fRsqrtCost(100).rounds).toBe(12);
    // a norm fused with its matmul: 2 rounds fewer than the pair (the matmul at the end of the rsqrt's table fork); the
    // final truncation covers [M, N] instead of [M, D] (GPT-2 base ln_1 → c_attn: N = 2304, D = 768)
    // (with the dealer truncation; with the default 1-round norm chain the pair and the fusion take the same rounds)
    expect(fNormMatmulCost(32, 768, 2304, 1e-5, 'layer', 18, 2).rounds).toBe(fLayerNormCost(32, 768, 1e-5, 18, 2).rounds + fMatmulCost(32 * 2304).rounds - 2);
    expect(fNormMatmulCost(32, 768, 2304, 1e-5, 'layer', 18, 2).bytesTotal - fLayerNormCost(32, 768, 1e-5, 18, 2).bytesTotal - fMatmulCost(32 * 2304).bytesTotal).toBe(48 * 32 * (2304 - 768));
    expect(fNormMatmulCost(1, 64, 100, 1e-5, 'rms', 18, 2).rounds).toBe(fRmsNormCost(1, 64, 1e-5, 18, 2).rounds + 2 - 2);
    expect(fNormMatmulCost(32, 768, 2304, 1e-5, 'layer').rounds).toBe(fLayerNormCost(32, 768, 1e-5).rounds + fMatmulCost(32 * 2304).rounds);
    // PUMA's binary max tree: 4 rounds per halving + 2 (msbPair 4 and a 1-round additive selection at the first level, msbPairOfSum 3 and the
    // same selection at the next ones, the last selection replicated: 2; was 7 per halving with replicated maxima, then 6 with mulA1BPair);
    // declared (the measured depth may be up to one round per level less)
    for (const C of [2, 64, 512, 1000]) expect(fSoftmaxCost(12 * 32, C, undefined, PUMA_APPROX_CONFIG).rounds).toBe(4 * Math.ceil(Math.log2(C)) + 2 + 25); // + 25: exp 12 (its last round beside the reciprocal's comparisons, which start on the 3-of-3 row sums), the reciprocal (radix-8 msbPair: 12) and the product
    // default (degree-4 exp base beside its mask comparison, grouped row max with maxArity 16); was [45, 61, 74, 77], then [36, 39, 56, 56],
    // then [35, 38, 55, 55] (the reciprocal's 384 × thresholds comparisons now take the radix-8 msb)
    // then [34, 37, 54, 54]; then the exp, the reciprocal and the normalisation took the 1-round truncation (softmax.truncRounds = 1): [23, 26, 43, 43];
    // now each level's selection comes from the 2-of-2 winner bits (mulA1BPair), one round less per level
    expect([2, 64, 512, 1000].map((C) => fSoftmaxCost(12 * 32, C, undefined, cfg).rounds)).toEqual([21, 23, 32, 32]); // [22, 25, 40, 40] before the reciprocal's bits stayed 2-of-2, [21, 24, 39, 39] before the levels handed on additive halves,
    // [21, 24, 35, 35] before the winner ANDs took gates of up to 11 inputs (63 winners' inputs in 2 rounds, 11 in 1) // [27, 30, 47, 47] with the mask before the squarings, [24, 27, 44, 44] with the reciprocal on the replicated sums
    expect([2, 64, 512, 1000].map((C) => fSoftmaxCost(12 * 32, C, undefined, approxConfig({ softmax: { truncRounds: 2 } })).rounds)).toEqual([31, 33, 42, 42]); // rows ≤ 64: one all-pairs level (oneLevelUpTo)
    // softmax·V normalised after the product: the bmm beside the reciprocal, 2 rounds under softmax + bmm
    const gpt2 = causalRowLengths(12 * 32, 33, 32, 1); // 12 heads, 32 new queries after 1 cached key
    expect(fSoftmaxMatmulCost(12, 32, 33, 64, gpt2, cfg).rounds).toBe(fSoftmaxCost(12 * 32, 33, gpt2, cfg).rounds + fMatmulCost(12 * 32 * 64).rounds - 2);
    expect(fSoftmaxMatmulCost(12, 128, 128, 64, undefined, cfg).rounds).toBe(fSoftmaxCost(12 * 128, 128, undefined, cfg).rounds + 2 - 2);
    // improved GeLU is cheaper than PUMA's in bytes; improved SiLU costs at most 35% more
    expect(fGeluCost(1000, cfg).bytesTotal).toBeLessThan(fGeluCost(1000, PUMA_APPROX_CONFIG).bytesTotal);
    expect(fSiluCost(1000, cfg).bytesTotal).toBeLessThan(1.35 * fSiluCost(1000, PUMA_APPROX_CONFIG).bytesTotal);
    // a causal [n, n] softmax costs about half the bytes of a full one
    const full = fSoftmaxCost(256, 256).bytesTotal;
    expect(fSoftmaxCost(256, 256, causalRowLengths(256, 256, 256, 0)).bytesTotal / full).toBeLessThan(0.6);
  });
});
