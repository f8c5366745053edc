/**
 * softmax(x)·V normalised after the product (src/approx/softmax-matmul.ts): against the float
 * reference softmax(x)·V and against fSoftmax followed by a fixed-point bmm (the composition it
 * replaces), full and causal (ragged) rows, a folded 2^−3 scale, rows that keep nothing; declared
 * cost = measured, and 2 rounds fewer than fSoftmax + bmm.
 */
import { describe, expect, it } from 'vitest';
import { fSoftmaxMatmul, fSoftmaxMatmulCost } from '../../src/approx/softmax-matmul.js';
import { fSoftmax, fSoftmaxCost, causalRowLengths } from '../../src/approx/softmax.js';
import { softmaxRef } from '../../src/approx/reference.js';
import { fMatmul, fMatmulCost } from '../../src/protocols/fixed.js';
import { reshapeA } from '../../src/protocols/share.js';
import { addCosts } from '../../src/protocols/context.js';
import { errStats, expectCost, onGrid, run, softmaxSlack, uniform } from './_harness.js';

/** softmax(x/2^shift) per row (rows of B·M, kept lens) times v [B,C,D], in float64. */
function ref(x: Float64Array, v: Float64Array, B: number, M: number, C: number, D: number, lens?: ArrayLike<number>, shift = 0): Float64Array {
  const att = softmaxRef(x.map((u) => u / 2 ** shift), B * M, C, lens);
  const out = new Float64Array(B * M * D);
  for (let b = 0; b < B; b++)
    for (let m = 0; m < M; m++)
      for (let c = 0; c < C; c++) {
        const a = att[(b * M + m) * C + c];
        if (a) for (let d = 0; d < D; d++) out[(b * M + m) * D + d] += a * v[(b * C + c) * D + d];
      }
  return out;
}

describe('softmaxMatmul: softmax(x)·V with the reciprocal after the product', () => {
  for (const [B, M, C, D, causal, shift] of [
    [2, 8, 8, 16, true, 0],
    [3, 4, 33, 8, false, 3],
    [2, 32, 33, 64, true, 3], // GPT-2's attention shape (32 new queries after 1 cached key), 2 heads
    [1, 5, 100, 4, false, 0], // two-level row max
  ] as const) {
    it(`[${B},${M},${C}]·[${B},${C},${D}]${causal ? ', causal' : ''}${shift ? `, scale 2^−${shift}` : ''}: ≤ fSoftmax + bmm's error, declared cost, 2 rounds fewer`, async () => {
      const lens = causal ? causalRowLengths(B * M, C, M, C - M) : undefined;
      const x = onGrid(uniform(B * M * C, -30 * 2 ** shift, 30 * 2 ** shift, B + M + C));
      const v = onGrid(uniform(B * C * D, -8, 8, D));
      const want = ref(x, v, B, M, C, D, lens, shift);
      const opts = { ...(lens ? { rowLengths: lens } : {}), inputShift: shift };
      const inputs = [
        { data: x, shape: [B, M, C] },
        { data: v, shape: [B, C, D] },
      ];
      const got = await run(inputs, (p, [X, V]) => fSoftmaxMatmul(p, X, V, opts));
      const old = await run(inputs, async (p, [X, V]) => fMatmul(p, reshapeA(await fSoftmax(p, reshapeA(X, [B * M, C]), opts), [B, M, C]), V));
      const e = errStats(got.y, want);
      const eOld = errStats(old.y, want);
      expect(e.maxAbs, `at element ${e.argMax} (fSoftmax + bmm: ${eOld.maxAbs})`).toBeLessThanOrEqual(Math.max(1.5 * eOld.maxAbs, 8 * 2e-3));
      expect(e.meanAbs).toBeLessThanOrEqual(1.5 * eOld.meanAbs + 1e-5);
      const declared = fSoftmaxMatmulCost(B, M, C, D, lens, undefined, 18, shift);
      expectCost(got.cost, 'softmaxMatmul', declared, softmaxSlack(lens ?? new Array(B * M).fill(C)));
      expect(declared.rounds).toBe(addCosts(fSoftmaxCost(B * M, C, lens, undefined, 18, shift), fMatmulCost(B * M * D)).rounds - 2);
    });
  }

  it('rows that keep nothing output exactly 0; the others are unaffected', async () => {
    const [B, M, C, D] = [1, 4, 6, 3];
    const lens = [3, 0, 6, 0];
    const x = onGrid(uniform(B * M * C, -5, 5, 3));
    const v = onGrid(uniform(B * C * D, -2, 2, 4));
    const { y, cost } = await run(
      [
        { data: x, shape: [B, M, C] },
        { data: v, shape: [B, C, D] },
      ],
      (p, [X, V]) => fSoftmaxMatmul(p, X, V, { rowLengths: lens }),
    );
    const want = ref(x, v, B, M, C, D, lens);
    for (let d = 0; d < D; d++) {
      expect(y[1 * D + d]).toBe(0);
      expect(y[3 * D + d]).toBe(0);
    }
    expect(errStats(y, want).maxAbs).toBeLessThan(2e-3);
    expectCost(cost, 'softmaxMatmul', fSoftmaxMatmulCost(B, M, C, D, lens), softmaxSlack(lens));
  });

  it('shape mismatch: RangeError naming both shapes', async () => {
    await expect(
      run(
        [
          { data: new Float64Array(8), shape: [1, 2, 4] },
          { data: new Float64Array(6), shape: [1, 3, 2] },
        ],
        (p, [X, V]) => fSoftmaxMatmul(p, X, V),
      ),
    ).rejects.toThrow(/\[1,2,4\].*\[1,3,2\]/);
  });
});
