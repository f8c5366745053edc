/**
 * The model-facing wrappers (gelu, silu, softmax with row lengths) and other fixed-point
 * precisions: every function derives its plans from p.cfg.fracBits.
 */
import { describe, expect, it } from 'vitest';
import { gelu, silu, softmax } from '../../src/approx/api.js';
import { fGelu, fGeluCost } from '../../src/approx/gelu.js';
import { fSoftmax, fSoftmaxCost } from '../../src/approx/softmax.js';
import { fLayerNorm } from '../../src/approx/norm.js';
import { fReciprocal } from '../../src/approx/reciprocal.js';
import { fRsqrt } from '../../src/approx/rsqrt.js';
import { approxConfig } from '../../src/approx/config.js';
import { geluRef, layerNormRef, siluRef, softmaxRef } from '../../src/approx/reference.js';
import { ringConfig } from '../../src/ring/config.js';
import { decode, encode } from '../../src/ring/fixed-point.js';
import { errStats, expectCost, onGrid, range, run, softmaxSlack, uniform } from './_harness.js';

describe('model-facing wrappers', () => {
  it('gelu, silu, softmax(p, x, cfg, rowLengths)', async () => {
    const x = onGrid(range(-6, 6, 0.01));
    const cfg = approxConfig({ gelu: { variant: 'puma' } });
    const g = await run([{ data: x, shape: [x.length] }], (p, [X]) => gelu(p, X, cfg));
    expect(errStats(g.y, Array.from(x, geluRef)).maxAbs).toBeLessThan(0.021);
    expectCost(g.cost, 'gelu', fGeluCost(x.length, cfg));
    const s = await run([{ data: x, shape: [x.length] }], (p, [X]) => silu(p, X));
    expect(errStats(s.y, Array.from(x, siluRef)).maxAbs).toBeLessThan(5e-4);
    const lens = Int32Array.from([3, 0, 8, 1]);
    const v = onGrid(uniform(32, -5, 5, 2));
    const sm = await run([{ data: v, shape: [4, 8] }], (p, [X]) => softmax(p, X, undefined, lens));
    expect(errStats(sm.y, softmaxRef(v, 4, 8, lens)).maxAbs).toBeLessThan(2e-3);
  });
});

describe('other fixed-point precisions', () => {
  for (const f of [14, 16, 20]) {
    const cfg = ringConfig({ fracBits: f });
    const grid = (x: ArrayLike<number>) => decode(encode(Float64Array.from(x), cfg, 'x'), cfg);
    it(`f = ${f}: gelu, softmax, reciprocal, rsqrt, layerNorm`, async () => {
      const ulp = 2 ** -f;
      const x = grid(range(-8, 8, 0.01));
      const g = await run([{ data: x, shape: [x.length] }], (p, [X]) => fGelu(p, X), 's', cfg);
      expect(errStats(g.y, Array.from(x, geluRef)).maxAbs).toBeLessThan(0.0032 + 8 * ulp);
      const v = grid(uniform(16 * 40, -30, 30, f));
      const sm = await run([{ data: v, shape: [16, 40] }], (p, [X]) => fSoftmax(p, X), 's', cfg);
      expect(errStats(sm.y, softmaxRef(v, 16, 40)).maxAbs).toBeLessThan(2e-3 + 64 * ulp);
      expectCost(sm.cost, 'softmax', fSoftmaxCost(16, 40, undefined, undefined, f), softmaxSlack(new Array(16).fill(40)));
      const pos = grid(Array.from({ length: 200 }, (_, i) => 0.05 * 1.04 ** i));
      const r = await run([{ data: pos, shape: [pos.length] }], (p, [X]) => fReciprocal(p, X), 's', cfg);
      r.y.forEach((y, i) => expect(Math.abs(y - 1 / pos[i])).toBeLessThanOrEqual(1e-3 / pos[i] + 2 * ulp));
      const q = await run([{ data: pos, shape: [pos.length] }], (p, [X]) => fRsqrt(p, X), 's', cfg);
      q.y.forEach((y, i) => expect(Math.abs(y - 1 / Math.sqrt(pos[i]))).toBeLessThanOrEqual(1e-3 / Math.sqrt(pos[i]) + 2 * ulp));
      const D = 64;
      const xs = grid(uniform(4 * D, -4, 4, 9));
      const gam = grid(uniform(D, 0.5, 1.5, 10));
      const bet = grid(uniform(D, -0.5, 0.5, 11));
      const ln = await run([{ data: xs, shape: [4, D] }, { data: gam, shape: [D] }, { data: bet, shape: [D] }], (p, [X, G, B]) => fLayerNorm(p, X, G, B, 1e-5), 's', cfg);
      expect(errStats(ln.y, layerNormRef(xs, 4, D, gam, bet, 1e-5)).maxAbs).toBeLessThan(1e-2);
    });
  }
});
