/**
 * LayerNorm/RMSNorm fused with the following matmul (src/approx/norm-matmul.ts): revealed result
 * against float64 norm-then-matmul, beside the unfused secure pair (fLayerNorm then fMatmul), and
 * declared = measured cost per meter label.
 */
import { approxConfig, productTruncRounds } from '../../src/approx/config.js';
import { describe, expect, it } from 'vitest';
import { scoped } from '../../src/protocols/context.js';
import { fMatmul } from '../../src/protocols/fixed.js';
import { fLayerNorm, fLayerNormCost, fRmsNorm } from '../../src/approx/norm.js';
import { fNormMatmul, fNormMatmulCost, fNormMatmulNormCost, fNormMatmulOutCost } from '../../src/approx/norm-matmul.js';
import { layerNormRef, rmsNormRef } from '../../src/approx/reference.js';
import { fMatmulCost } from '../../src/protocols/fixed.js';
import { truncManyCost } from '../../src/approx/fused-products.js';
import { errStats, expectCost, onGrid, run, uniform } from './_harness.js';
import { aShare } from '../../src/protocols/share.js';
import { residualLayerNorm, residualLayerNormCost } from '../../src/approx/residual-norm.js';

const concat64 = (a: BigUint64Array, b: BigUint64Array): BigUint64Array => {
  const out = new BigUint64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** Rows of N(0, ~1)-ish values with a few outliers up to ±100, one constant row, one tiny row. */
function rows(M: number, D: number, seed: number): Float64Array {
  const x = uniform(M * D, -3, 3, seed);
  const o = uniform(M * D, -100, 100, seed + 1);
  for (let i = 0; i < M * D; i++) if (i % 53 === 7) x[i] = o[i];
  for (let c = 0; c < D; c++) {
    x[D + c] = 1.5; // constant row: variance 0, result β·W
    x[2 * D + c] = 0.01 * x[2 * D + c]; // tiny variance
  }
  return onGrid(x);
}

/** a [M, K] · b [K, N] (or b [N, K]ᵀ) in float64. */
function mm(a: Float64Array, b: Float64Array, M: number, K: number, N: number, transB: boolean): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[i * K + k] * (transB ? b[j * K + k] : b[k * N + j]);
    out[i * N + j] = s;
  }
  return out;
}

const TR2 = approxConfig({ norm: { truncRounds: 2 }, truncRound1UpTo: 0 }); // the dealer truncation everywhere
const BIG = approxConfig({ truncRound1UpTo: 0 }); // the default norm chain, the [M, N] products on the dealer truncation as if large

describe('norm → matmul, fused', () => {
  for (const [M, D, N, transB] of [[16, 64, 96, false], [8, 768, 200, true], [1, 768, 300, true]] as const) {
    const x = rows(M, D, D + N);
    const gamma = onGrid(uniform(D, 0.5, 2, 7));
    const beta = onGrid(uniform(D, -0.5, 0.5, 8));
    const w = onGrid(uniform(D * N, -0.15, 0.15, 9)); // GPT-2-like weights: |w| ≲ 0.2
    const wShape = transB ? [N, D] : [D, N];
    const inputs = [{ data: x, shape: [M, D] }, { data: gamma, shape: [D] }, { data: beta, shape: [D] }, { data: w, shape: wShape }];
    it(`LayerNorm [${M}, ${D}] · W${transB ? 'ᵀ' : ''} → [${M}, ${N}]: error ≤ 1.5 × the unfused pair's + 1e-3, declared cost`, async () => {
      const want = mm(layerNormRef(x, M, D, gamma, beta, 1e-5), w, M, D, N, transB);
      // the relations below hold for the dealer truncation (norm.truncRounds 2); the default (1) is checked after them
      const fused = await run(inputs, (p, [X, G, B, W]) => scoped(p, 'fused', () => fNormMatmul(p, X, { gamma: G, beta: B, eps: 1e-5 }, W, transB, 'matmul', TR2)));
      const unfused = await run(inputs, async (p, [X, G, B, W]) => scoped(p, 'unfused', async () => fMatmul(p, await fLayerNorm(p, X, G, B, 1e-5, TR2), W, transB)));
      const ef = errStats(fused.y, want);
      const eu = errStats(unfused.y, want);
      expect(ef.maxAbs, `fused at ${ef.argMax} (unfused ${eu.maxAbs})`).toBeLessThanOrEqual(1.5 * eu.maxAbs + 1e-3);
      expect(ef.maxAbs).toBeLessThan(3e-2);
      expectCost(fused.cost, 'fused', fNormMatmulCost(M, D, N, 1e-5, 'layer', 18, 2));
      expectCost(fused.cost, 'fused/layerNorm', fNormMatmulNormCost(M, D, N, 1e-5, 'layer', 18, 2));
      expectCost(fused.cost, 'fused/matmul', fNormMatmulOutCost(M, N));
      expect(fused.cost.ops['fused/layerNorm/rsqrt/table/matmul'], 'the matmul fork').toBeDefined();
      // 2 rounds fewer than the pair; bytes: the final truncation covers [M, N] instead of [M, D]
      const pair = fLayerNormCost(M, D, 1e-5, 18, 2).rounds + fMatmulCost(M * N).rounds;
      expect(fused.cost.ops.fused.rounds).toBe(pair - 2);
      expect(unfused.cost.ops.unfused.rounds).toBe(pair);
      const extra = truncManyCost(M * (N - D));
      expect(fused.cost.ops.fused.bytesTotal - unfused.cost.ops.unfused.bytesTotal).toBe(extra.bytesTotal);
      expect(fused.cost.ops.fused.offlineBytesTotal - unfused.cost.ops.unfused.offlineBytesTotal).toBe(extra.offlineBytesTotal);
      // the norm's chain on the 1-round truncation, large [M, N] products on the dealer truncation: as many
      // rounds as the pair with its 1-round LayerNorm, the fusion saves bytes of the row scaling only
      const fused1 = await run(inputs, (p, [X, G, B, W]) => scoped(p, 'fused', () => fNormMatmul(p, X, { gamma: G, beta: B, eps: 1e-5 }, W, transB, 'matmul', BIG)));
      expectCost(fused1.cost, 'fused', fNormMatmulCost(M, D, N, 1e-5, 'layer', 18, 1, 2));
      expect(fused1.cost.ops.fused.rounds).toBe(fLayerNormCost(M, D, 1e-5).rounds + fMatmulCost(M * N).rounds);
      expect(fused1.cost.ops.fused.rounds).toBeLessThan(fused.cost.ops.fused.rounds);
      expect(errStats(fused1.y, want).maxAbs).toBeLessThan(3e-2);
      // default: these [M, N] are small (≤ truncRound1UpTo), so G·B·W and the row scaling take 1 round each too
      expect(productTruncRounds(M * N, approxConfig())).toBe(1);
      const small = await run(inputs, (p, [X, G, B, W]) => scoped(p, 'fused', () => fNormMatmul(p, X, { gamma: G, beta: B, eps: 1e-5 }, W, transB)));
      expectCost(small.cost, 'fused', fNormMatmulCost(M, D, N, 1e-5, 'layer', 18, 1, 1));
      expectCost(small.cost, 'fused/layerNorm', fNormMatmulNormCost(M, D, N, 1e-5, 'layer', 18, 1, 1));
      expectCost(small.cost, 'fused/matmul', fNormMatmulOutCost(M, N, 1));
      expect(small.cost.ops.fused.rounds).toBe(fused1.cost.ops.fused.rounds - 2);
      expect(errStats(small.y, want).maxAbs).toBeLessThan(3e-2);
    });
  }

  it('β·W is cached per party and weight pair: a second call on the same weights (a decode step) gives the same result', async () => {
    const [M, D, N] = [4, 64, 40];
    const x = rows(M, D, 11);
    const gamma = onGrid(uniform(D, 0.5, 2, 12));
    const beta = onGrid(uniform(D, -0.5, 0.5, 13));
    const w = onGrid(uniform(D * N, -0.2, 0.2, 14));
    const want = mm(layerNormRef(x, M, D, gamma, beta, 1e-5), w, M, D, N, false);
    const inputs = [{ data: x, shape: [M, D] }, { data: gamma, shape: [D] }, { data: beta, shape: [D] }, { data: w, shape: [D, N] }];
    const { y } = await run(inputs, async (p, [X, G, B, W]) => {
      const first = await fNormMatmul(p, X, { gamma: G, beta: B, eps: 1e-5 }, W);
      const second = await fNormMatmul(p, X, { gamma: G, beta: B, eps: 1e-5 }, W);
      return aShare([2 * M * N], concat64(first.s0, second.s0), concat64(first.s1, second.s1));
    });
    expect(errStats(y.subarray(0, M * N), want).maxAbs).toBeLessThan(2e-3);
    expect(errStats(y.subarray(M * N), want).maxAbs).toBeLessThan(2e-3);
  });

  it('RMSNorm [8, 64] · Wᵀ and the LM-head label; 3-D input; shape errors', async () => {
    const [M, D, N] = [8, 64, 50];
    const x = rows(M, D, 3);
    const gamma = onGrid(uniform(D, 0.5, 2, 5));
    const w = onGrid(uniform(N * D, -0.3, 0.3, 6));
    const want = mm(rmsNormRef(x, M, D, gamma, 1e-5), w, M, D, N, true);
    const inputs = [{ data: x, shape: [2, 4, D] }, { data: gamma, shape: [D] }, { data: w, shape: [N, D] }];
    const fused = await run(inputs, async (p, [X, G, W]) => {
      const y = await fNormMatmul(p, X, { gamma: G, eps: 1e-5 }, W, true, 'lmHead');
      expect(y.shape).toEqual([2, 4, N]);
      return y;
    });
    const unfused = await run([{ data: x, shape: [M, D] }, inputs[1], inputs[2]], async (p, [X, G, W]) => fMatmul(p, await fRmsNorm(p, X, G, 1e-5), W, true));
    expect(errStats(fused.y, want).maxAbs).toBeLessThanOrEqual(1.5 * errStats(unfused.y, want).maxAbs + 1e-3);
    expectCost(fused.cost, 'rmsNorm', fNormMatmulNormCost(M, D, N, 1e-5, 'rms', 18, 1, 1)); // [8, 50]: small products, 1 round
    expectCost(fused.cost, 'lmHead', fNormMatmulOutCost(M, N, 1));
    await expect(run([{ data: x, shape: [M, D] }, inputs[1], { data: w, shape: [N, D] }], (p, [X, G, W]) => fNormMatmul(p, X, { gamma: G, eps: 1e-5 }, W))).rejects.toThrow(RangeError);
  });

  it("after the residual add (residualLayerNorm's `next`, GPT-2's c_proj → ln_2 → c_fc): x' and LayerNorm(x')·W₂ as unfused, 2 rounds fewer", async () => {
    const [M, K, D, N] = [4, 32, 64, 160];
    const x = onGrid(uniform(M * D, -20, 20, 21));
    for (let c = 0; c < D; c++) x[c] = 300 + 0.5 * x[c]; // a row with a large mean
    const h = onGrid(uniform(M * K, -2, 2, 22));
    const w = onGrid(uniform(K * D, -0.3, 0.3, 23));
    const b = onGrid(uniform(D, -1, 1, 24));
    const gamma = onGrid(uniform(D, 0.5, 2, 25));
    const beta = onGrid(uniform(D, -0.5, 0.5, 26));
    const w2 = onGrid(uniform(D * N, -0.15, 0.15, 27));
    const sum = mm(h, w, M, K, D, false).map((v, i) => v + x[i] + b[i % D]);
    const want = mm(layerNormRef(sum, M, D, gamma, beta, 1e-5), w2, M, D, N, false);
    const inputs = [x, h, w, b, gamma, beta, w2].map((data, j) => ({ data, shape: [[M, D], [M, K], [K, D], [D], [D], [D], [D, N]][j] }));
    const fused = await run(inputs, (p, [X, H, W, B, G, Be, W2]) =>
      scoped(p, 'fused', async () => {
        const [s, y] = await residualLayerNorm(p, X, H, W, B, G, Be, 1e-5, { next: W2 }, TR2);
        expect(s?.shape).toEqual([M, D]);
        expect(y.shape).toEqual([M, N]);
        return y;
      }),
    );
    const unfused = await run(inputs, (p, [X, H, W, B, G, Be, W2]) => scoped(p, 'unfused', async () => fMatmul(p, (await residualLayerNorm(p, X, H, W, B, G, Be, 1e-5, {}, TR2))[1], W2)));
    const ef = errStats(fused.y, want);
    expect(ef.maxAbs, `at ${ef.argMax}`).toBeLessThanOrEqual(1.5 * errStats(unfused.y, want).maxAbs + 1e-3);
    expectCost(fused.cost, 'fused', residualLayerNormCost(M, D, 1e-5, { nextCols: N }, 18, 2));
    expect(fused.cost.ops.fused.rounds).toBe(unfused.cost.ops.unfused.rounds - 2);
    const small = await run(inputs, (p, [X, H, W, B, G, Be, W2]) => scoped(p, 'fused', async () => (await residualLayerNorm(p, X, H, W, B, G, Be, 1e-5, { next: W2 }))[1]));
    expectCost(small.cost, 'fused', residualLayerNormCost(M, D, 1e-5, { nextCols: N }, 18, 1, 1)); // default config: [4, 160] products in 1 round
    expect(errStats(small.y, want).maxAbs).toBeLessThanOrEqual(1.5 * errStats(unfused.y, want).maxAbs + 1e-3);
    expect(residualLayerNormCost(32, 768, 1e-5, { nextCols: 3072 }, 18, 2).rounds).toBe(residualLayerNormCost(32, 768, 1e-5, {}, 18, 2).rounds + fMatmulCost(32 * 3072).rounds - 2);
    // the default (norm.truncRounds 1): as many rounds as the unfused pair, fewer than with the dealer truncation
    expect(residualLayerNormCost(32, 768, 1e-5, { nextCols: 3072 }).rounds).toBe(residualLayerNormCost(32, 768, 1e-5).rounds + fMatmulCost(32 * 3072).rounds);
    expect(residualLayerNormCost(32, 768, 1e-5, { nextCols: 3072 }).rounds).toBeLessThan(residualLayerNormCost(32, 768, 1e-5, { nextCols: 3072 }, 18, 2).rounds);
  });
});
