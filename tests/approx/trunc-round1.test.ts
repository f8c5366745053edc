/**
 * The approximations under the 1-round truncation (withTruncRounds(p, 1, …)): same error bounds
 * as with the default 2-round truncation (its extra ≤ 1 ulp and ≈ +0.5 ulp mean per truncation
 * stay far below the approximation errors), and fewer online rounds.
 */
import { describe, expect, it } from 'vitest';
import { fExp } from '../../src/approx/exp.js';
import { fGelu } from '../../src/approx/gelu.js';
import { fLayerNorm } from '../../src/approx/norm.js';
import { fSoftmax } from '../../src/approx/softmax.js';
import { fReciprocal } from '../../src/approx/reciprocal.js';
import { TAYLOR4_EXP, approxConfig } from '../../src/approx/config.js';
import { geluRef, layerNormRef, softmaxRef } from '../../src/approx/reference.js';
import { withTruncRounds } from '../../src/protocols/context.js';
import { errStats, onGrid, range, run, uniform } from './_harness.js';

describe('approximations with the 1-round truncation', () => {
  it('exp (Taylor-4, [−14, 0]) ≤ 1e-4, GeLU (improved, [−8, 8]) ≤ 5e-3, reciprocal relative ≤ 1e-3; fewer online rounds', async () => {
    const xe = onGrid(range(-14, 0, 1e-2));
    const two = await run([{ data: xe, shape: [xe.length] }], (p, [X]) => fExp(p, X, TAYLOR4_EXP));
    const one = await run([{ data: xe, shape: [xe.length] }], (p, [X]) => withTruncRounds(p, 1, () => fExp(p, X, TAYLOR4_EXP)));
    expect(errStats(one.y, Array.from(xe, Math.exp), xe).maxAbs).toBeLessThanOrEqual(1e-4);
    expect(one.cost.rounds).toBeLessThan(two.cost.rounds);
    expect(one.cost.offlineBytesTotal).toBeGreaterThan(two.cost.offlineBytesTotal);

    const xg = onGrid(range(-8, 8, 1e-2));
    const g = await run([{ data: xg, shape: [xg.length] }], (p, [X]) => withTruncRounds(p, 1, () => fGelu(p, X, approxConfig({ gelu: { variant: 'improved' } }))));
    expect(errStats(g.y, Array.from(xg, geluRef), xg).maxAbs).toBeLessThanOrEqual(5e-3);

    const xr = onGrid([...range(0.01, 1000, 0.37), ...range(-1000, -0.01, 0.41)]);
    const r = await run([{ data: xr, shape: [xr.length] }], (p, [X]) => withTruncRounds(p, 1, () => fReciprocal(p, X)));
    xr.forEach((v, i) => expect(Math.abs(r.y[i] - 1 / v)).toBeLessThanOrEqual(1e-3 * Math.abs(1 / v) + 4 * 2 ** -18));
  });

  it('softmax [16, 40] ≤ 2e-3 and LayerNorm [16, 64] ≤ 1e-2', async () => {
    const [R, C] = [16, 40];
    const x = onGrid(uniform(R * C, -30, 30, 5));
    const s = await run([{ data: x, shape: [R, C] }], (p, [X]) => withTruncRounds(p, 1, () => fSoftmax(p, X)));
    expect(errStats(s.y, softmaxRef(x, R, C)).maxAbs).toBeLessThanOrEqual(2e-3);

    const [M, D] = [16, 64];
    const xl = onGrid(uniform(M * D, -3, 5, 9));
    const gamma = onGrid(uniform(D, 0.5, 2, 7));
    const beta = onGrid(uniform(D, -0.5, 0.5, 8));
    const l = await run([{ data: xl, shape: [M, D] }, { data: gamma, shape: [D] }, { data: beta, shape: [D] }], (p, [X, G, B]) => withTruncRounds(p, 1, () => fLayerNorm(p, X, G, B, 1e-5)));
    expect(errStats(l.y, layerNormRef(xl, M, D, gamma, beta, 1e-5)).maxAbs).toBeLessThanOrEqual(1e-2);
  });
});
