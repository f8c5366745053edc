/**
 * GeLU on [−8, 8] and SiLU on [−10, 10] at 1e-3 steps, both variants, against float64 (erf and
 * exp references), plus: the secure result stays within a few ulp of the same approximation in
 * float64 (so the fixed-point evaluation adds nothing visible), shapes are kept.
 */
import { describe, expect, it } from 'vitest';
import { fGelu, geluApprox } from '../../src/approx/gelu.js';
import { fSilu, siluApprox } from '../../src/approx/silu.js';
import { approxConfig } from '../../src/approx/config.js';
import { geluRef, siluRef } from '../../src/approx/reference.js';
import { errStats, onGrid, range, run } from './_harness.js';

const ULP = 2 ** -18;

describe('GeLU on [−8, 8], step 1e-3 (16001 points)', () => {
  const x = onGrid(range(-8, 8, 1e-3));
  const want = Array.from(x, geluRef);
  for (const [variant, bound] of [
    ['puma', 0.021],
    ['improved', 0.005],
  ] as const) {
    it(`${variant}: max |error| ≤ ${bound}`, async () => {
      const cfg = approxConfig({ gelu: { variant } });
      const { y } = await run([{ data: x, shape: [x.length] }], (p, [X]) => fGelu(p, X, cfg));
      const e = errStats(y, want, x);
      expect(e.maxAbs, `at x = ${e.argMax}`).toBeLessThanOrEqual(bound);
      // the protocol adds ≤ a few ulp to the float64 approximation (except exactly at a breakpoint)
      const plain = Array.from(x, (v) => geluApprox(v, variant));
      let worst = 0;
      x.forEach((v, i) => {
        if (Math.abs(v + 1.95) > 1e-5) worst = Math.max(worst, Math.abs(y[i] - plain[i]));
      });
      expect(worst).toBeLessThan(16 * ULP);
      if (variant === 'puma') expect(e.maxAbs).toBeGreaterThan(0.015); // PUMA's known error at x = 3
    });
  }

  it('keeps the shape and handles tiny and huge inputs', async () => {
    const v = [0, -1e6, 1e6, 5, -5, 3.1, -3.1, 2 ** -18];
    const { y } = await run([{ data: v, shape: [2, 4] }], async (p, [X]) => {
      const r = await fGelu(p, X);
      expect(r.shape).toEqual([2, 4]);
      return r;
    });
    expect(y[1]).toBe(0);
    expect(y[2]).toBe(1e6);
    expect(y[3]).toBe(5);
    expect(y[4]).toBe(0);
    expect(Math.abs(y[0])).toBeLessThan(0.005);
  });
});

describe('SiLU on [−10, 10], step 1e-3 (20001 points)', () => {
  const x = onGrid(range(-10, 10, 1e-3));
  const want = Array.from(x, siluRef);
  for (const [variant, bound] of [
    ['puma', 0.075],
    ['improved', 5e-4],
  ] as const) {
    it(`${variant}: max |error| ≤ ${bound}`, async () => {
      const cfg = approxConfig({ silu: { variant } });
      const { y } = await run([{ data: x, shape: [x.length] }], (p, [X]) => fSilu(p, X, cfg));
      const e = errStats(y, want, x);
      expect(e.maxAbs, `at x = ${e.argMax}`).toBeLessThanOrEqual(bound);
      const plain = Array.from(x, (v) => siluApprox(v, variant));
      expect(errStats(y, plain).maxAbs).toBeLessThan(16 * ULP);
    });
  }
});
