/** LayerNorm and RMSNorm on rows of width 64 and 768 with outliers up to ±100. */
import { describe, expect, it } from 'vitest';
import { fLayerNorm, fLayerNormCost, fRmsNorm, fRmsNormCost } from '../../src/approx/norm.js';
import { layerNorm, rmsNorm } from '../../src/approx/api.js';
import { layerNormRef, rmsNormRef } from '../../src/approx/reference.js';
import { errStats, expectCost, onGrid, run, uniform } from './_harness.js';

/** Rows of N(0, ~1)-ish values with a few outliers up to ±100, one constant row, one tiny row. */
function rows(M: number, D: number, seed: number): Float64Array {
  const x = uniform(M * D, -3, 3, seed);
  const o = uniform(M * D, -100, 100, seed + 1);
  for (let i = 0; i < M * D; i++) if (i % 53 === 7) x[i] = o[i];
  for (let c = 0; c < D; c++) {
    x[D + c] = 1.5; // constant row: variance 0, result β
    x[2 * D + c] = 0.01 * x[2 * D + c]; // tiny variance
  }
  x[3 * D] = 100;
  x[3 * D + 1] = -100;
  return onGrid(x);
}

describe('LayerNorm / RMSNorm', () => {
  for (const D of [64, 768]) {
    const M = 16;
    const x = rows(M, D, D);
    const gamma = onGrid(uniform(D, 0.5, 2, 7));
    const beta = onGrid(uniform(D, -0.5, 0.5, 8));
    it(`LayerNorm [${M}, ${D}], eps 1e-5: max |error| ≤ 1e-2`, async () => {
      const { y, cost } = await run([{ data: x, shape: [M, D] }, { data: gamma, shape: [D] }, { data: beta, shape: [D] }], (p, [X, G, B]) => fLayerNorm(p, X, G, B, 1e-5));
      const e = errStats(y, layerNormRef(x, M, D, gamma, beta, 1e-5));
      expect(e.maxAbs, `at ${e.argMax}`).toBeLessThanOrEqual(1e-2);
      // what is left is the rsqrt polynomial's relative error (8.2e-5) on outputs up to ~50
      expect(e.maxAbs).toBeLessThan(5e-3);
      expectCost(cost, 'layerNorm', fLayerNormCost(M, D, 1e-5));
    });
    it(`RMSNorm [${M}, ${D}], eps 1e-6: max |error| ≤ 1e-2`, async () => {
      const { y, cost } = await run([{ data: x, shape: [M, D] }, { data: gamma, shape: [D] }], (p, [X, G]) => fRmsNorm(p, X, G, 1e-6));
      const e = errStats(y, rmsNormRef(x, M, D, gamma, 1e-6));
      expect(e.maxAbs, `at ${e.argMax}`).toBeLessThanOrEqual(1e-2);
      expectCost(cost, 'rmsNorm', fRmsNormCost(M, D, 1e-6));
    });
  }

  it('model-facing wrappers, 3-D input, shape checks', async () => {
    const D = 32;
    const x = rows(8, D, 3);
    const gamma = onGrid(uniform(D, 0.5, 2, 5));
    const beta = onGrid(uniform(D, -1, 1, 6));
    const { y } = await run([{ data: x, shape: [2, 4, D] }, { data: gamma, shape: [D] }, { data: beta, shape: [D] }], async (p, [X, G, B]) => {
      const r = await layerNorm(p, X, G, B, 1e-5);
      expect(r.shape).toEqual([2, 4, D]);
      return r;
    });
    expect(errStats(y, layerNormRef(x, 8, D, gamma, beta, 1e-5)).maxAbs).toBeLessThan(2e-3);
    const r2 = await run([{ data: x, shape: [8, D] }, { data: gamma, shape: [D] }], (p, [X, G]) => rmsNorm(p, X, G, 1e-5));
    expect(errStats(r2.y, rmsNormRef(x, 8, D, gamma, 1e-5)).maxAbs).toBeLessThan(2e-3);
    await expect(run([{ data: x, shape: [8, D] }, { data: gamma.subarray(1), shape: [D - 1] }], (p, [X, G]) => fRmsNorm(p, X, G, 1e-5))).rejects.toThrow(RangeError);
  });
});
