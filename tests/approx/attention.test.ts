/**
 * fAttention (src/approx/attention.ts): q·kᵀ, the row max started on the untruncated product,
 * softmax·V normalised after the product. Against the float reference softmax(q kᵀ/2^shift)·V and
 * against bmmT + fSoftmaxMatmul (the composition it replaces); declared cost = measured, one round
 * fewer than that composition.
 */
import { describe, expect, it } from 'vitest';
import { fAttention, fAttentionCost } from '../../src/approx/attention.js';
import { fSoftmaxMatmul, fSoftmaxMatmulCost } from '../../src/approx/softmax-matmul.js';
import { causalRowLengths } from '../../src/approx/softmax.js';
import { softmaxRef } from '../../src/approx/reference.js';
import { fMatmul, fMatmulCost } from '../../src/protocols/fixed.js';
import { addCosts } from '../../src/protocols/context.js';
import { errStats, expectCost, onGrid, run, softmaxSlack, uniform } from './_harness.js';

function ref(q: Float64Array, k: Float64Array, v: Float64Array, [B, M, C, K, D]: number[], lens: ArrayLike<number> | undefined, shift: number): Float64Array {
  const s = new Float64Array(B * M * C);
  for (let b = 0; b < B; b++)
    for (let m = 0; m < M; m++)
      for (let c = 0; c < C; c++) {
        let t = 0;
        for (let j = 0; j < K; j++) t += q[(b * M + m) * K + j] * k[(b * C + c) * K + j];
        s[(b * M + m) * C + c] = t / 2 ** shift;
      }
  const att = softmaxRef(s, B * M, C, lens);
  const out = new Float64Array(B * M * D);
  for (let r = 0; r < B * M; r++)
    for (let c = 0; c < C; c++) for (let d = 0; d < D; d++) out[r * D + d] += att[r * C + c] * v[(Math.floor(r / M) * C + c) * D + d];
  return out;
}

describe('fAttention: the row max starts on the untruncated q·kᵀ', () => {
  for (const [B, M, C, K, D, causal, shift] of [
    [2, 32, 33, 64, 64, true, 3], // GPT-2's shape: 32 new queries after 1 cached key, hs = 64, scale 2^−3
    [3, 4, 12, 8, 8, false, 1],
    [1, 1, 33, 16, 16, true, 2], // a decode step
    [1, 6, 100, 8, 4, false, 0], // two-level row max
  ] as const) {
    it(`q [${B},${M},${K}], k [${B},${C},${K}], v [${B},${C},${D}]${causal ? ', causal' : ''}, 2^−${shift}: as bmmT + softmaxMatmul, one round fewer`, async () => {
      const lens = causal ? causalRowLengths(B * M, C, M, C - M) : undefined;
      const amp = Math.sqrt(30 * 2 ** shift / Math.sqrt(K)); // scores ≈ ±30 after the scale
      const q = onGrid(uniform(B * M * K, -amp, amp, M + K));
      const k = onGrid(uniform(B * C * K, -amp, amp, C + K));
      const v = onGrid(uniform(B * C * D, -4, 4, D));
      const inputs = [
        { data: q, shape: [B, M, K] },
        { data: k, shape: [B, C, K] },
        { data: v, shape: [B, C, D] },
      ];
      const opts = { ...(lens ? { rowLengths: lens } : {}), inputShift: shift };
      const want = ref(q, k, v, [B, M, C, K, D], lens, shift);
      const got = await run(inputs, (p, [Q, Kk, V]) => fAttention(p, Q, Kk, V, opts));
      const old = await run(inputs, async (p, [Q, Kk, V]) => fSoftmaxMatmul(p, await fMatmul(p, Q, Kk, true), V, opts));
      const e = errStats(got.y, want);
      const eOld = errStats(old.y, want);
      expect(e.maxAbs, `at ${e.argMax} (bmmT + softmaxMatmul: ${eOld.maxAbs})`).toBeLessThanOrEqual(Math.max(1.5 * eOld.maxAbs, 0.02));
      expect(e.meanAbs).toBeLessThanOrEqual(1.5 * eOld.meanAbs + 1e-5);
      const declared = fAttentionCost(B, M, C, D, lens, undefined, 18, shift);
      expectCost(got.cost, 'attention', declared, softmaxSlack(lens ?? new Array(B * M).fill(C)));
      // declared: the truncation's 2 rounds leave the sum (the old declared sum did not credit the overlap of
      // its second round with msb's input round, which the measured depth shows: see the next line)
      expect(declared.rounds).toBe(addCosts(fMatmulCost(B * M * C), fSoftmaxMatmulCost(B, M, C, D, lens, undefined, 18, shift)).rounds - 2);
      const oldRounds = old.cost.ops['fMatmul'].rounds + old.cost.ops['softmaxMatmul'].rounds;
      expect(got.cost.ops['attention'].rounds).toBe(oldRounds - 1);
    });
  }

  it('q and k that do not fit: RangeError naming both shapes', async () => {
    const z = (shape: number[]) => ({ data: new Float64Array(shape.reduce((a, b) => a * b, 1)), shape });
    await expect(run([z([1, 2, 4]), z([1, 3, 5]), z([1, 3, 2])], (p, [Q, K, V]) => fAttention(p, Q, K, V))).rejects.toThrow(/\[1,2,4\].*\[1,3,5\]/);
  });
});
