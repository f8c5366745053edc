/**
 * The residual add fused with LayerNorm (src/approx/residual-norm.ts): x' = x + h·W + b and
 * LayerNorm(x') against float64 references on the same fixed-point inputs, in both weight
 * layouts, with and without x'; its declared cost; bad shapes.
 */
import { fLayerNormCost } from '../../src/approx/norm.js';
import { describe, expect, it } from 'vitest';
import { residualLayerNorm, residualLayerNormCost } from '../../src/approx/residual-norm.js';
import { layerNormRef } from '../../src/approx/reference.js';
import { errStats, expectCost, onGrid, run, uniform } from './_harness.js';

/** x + h·W + b in float64, W [K, D] or [D, K] (transB). */
function residualRef(x: Float64Array, h: Float64Array, w: Float64Array, b: Float64Array, M: number, K: number, D: number, transB: boolean): Float64Array {
  const out = new Float64Array(M * D);
  for (let r = 0; r < M; r++) {
    for (let c = 0; c < D; c++) {
      let s = x[r * D + c] + b[c];
      for (let k = 0; k < K; k++) s += h[r * K + k] * (transB ? w[c * K + k] : w[k * D + c]);
      out[r * D + c] = s;
    }
  }
  return out;
}

describe('residual add fused with LayerNorm', () => {
  const eps = 1e-5;
  for (const [M, K, D] of [
    [6, 32, 64],
    [4, 96, 768],
  ] as const) {
    const x = onGrid(uniform(M * D, -20, 20, D));
    for (let c = 0; c < D; c++) x[c] = 300 + 0.5 * x[c]; // a row with a large mean
    const h = onGrid(uniform(M * K, -2, 2, D + 1));
    const w = onGrid(uniform(K * D, -0.3, 0.3, D + 2));
    const b = onGrid(uniform(D, -1, 1, D + 3));
    const gamma = onGrid(uniform(D, 0.5, 2, D + 4));
    const beta = onGrid(uniform(D, -0.5, 0.5, D + 5));
    const inputs = [
      { data: x, shape: [M, D] },
      { data: h, shape: [M, K] },
      { data: w, shape: [K, D] },
      { data: b, shape: [D] },
      { data: gamma, shape: [D] },
      { data: beta, shape: [D] },
    ];
    const sumRef = residualRef(x, h, w, b, M, K, D, false);
    const lnRef = layerNormRef(sumRef, M, D, gamma, beta, eps);

    it(`[${M}, ${K}]·[${K}, ${D}]: x' within 2 ulp, LayerNorm(x') within 5e-3; cost as declared`, async () => {
      const s = await run(inputs, async (p, [X, H, W, B, G, Be]) => (await residualLayerNorm(p, X, H, W, B, G, Be, eps))[0] as NonNullable<Awaited<ReturnType<typeof residualLayerNorm>>[0]>);
      expect(errStats(s.y, sumRef).maxAbs).toBeLessThanOrEqual(2 * 2 ** -18);
      const r = await run(inputs, (p, [X, H, W, B, G, Be]) => p.meter.scope('rln', async () => (await residualLayerNorm(p, X, H, W, B, G, Be, eps))[1]));
      const e = errStats(r.y, lnRef);
      expect(e.maxAbs, `at ${e.argMax}`).toBeLessThanOrEqual(5e-3);
      expectCost(r.cost, 'rln', residualLayerNormCost(M, D, eps));
    });

    it(`[${M}, ${K}]·[${D}, ${K}]ᵀ without x' (post-LN): same LayerNorm, one truncation fewer`, async () => {
      const wT = new Float64Array(D * K);
      for (let k = 0; k < K; k++) for (let c = 0; c < D; c++) wT[c * K + k] = w[k * D + c];
      const ins = inputs.map((inp, j) => (j === 2 ? { data: wT, shape: [D, K] } : inp));
      const r = await run(ins, (p, [X, H, W, B, G, Be]) =>
        p.meter.scope('rln', async () => {
          const [sum, y] = await residualLayerNorm(p, X, H, W, B, G, Be, eps, { keepSum: false, transB: true });
          expect(sum).toBeNull();
          return y;
        }),
      );
      expect(errStats(r.y, lnRef).maxAbs).toBeLessThanOrEqual(5e-3);
      expectCost(r.cost, 'rln', residualLayerNormCost(M, D, eps, { keepSum: false }));
    });
  }

  it('two rounds fewer than the unfused matmul + LayerNorm; bad shapes are RangeErrors', async () => {
    expect(residualLayerNormCost(32, 768, 1e-5, {}, 18, 2).rounds).toBe(2 + 15 - 2); // dealer truncation: LayerNorm 15 rounds since highbit's bits stay 2-of-2 (16 since the radix-8 msb for per-row comparisons, 17 before, 18 before highbit's fused normalisation)
    expect(residualLayerNormCost(32, 768, 1e-5).rounds).toBe(1 + fLayerNormCost(32, 768, 1e-5).rounds - 2); // 1-round: the centred rows' truncation 1, LayerNorm without its mean
    const v = (n: number) => onGrid(uniform(n, -1, 1, n));
    const bad = run(
      [
        { data: v(8), shape: [2, 4] },
        { data: v(6), shape: [2, 3] },
        { data: v(12), shape: [4, 3] },
        { data: v(4), shape: [4] },
        { data: v(4), shape: [4] },
        { data: v(4), shape: [4] },
      ],
      async (p, [X, H, W, B, G, Be]) => (await residualLayerNorm(p, X, H, W, B, G, Be, eps))[1],
    );
    await expect(bad).rejects.toThrow(/do not fit/);
  });
});
