/**
 * 1/x on ±[0.01, 1000] and 1/√x on [1e-3, 1e4], log-spaced, relative error against float64 of
 * the on-grid input. At f = 18 the result's own resolution limits small outputs (1/1000 is 262
 * ulp), so the default-scale checks allow 1 ulp on top of the relative bound; with 30 output
 * bits the reciprocal meets 1e-3 relative outright.
 */
import { describe, expect, it } from 'vitest';
import { fReciprocal, reciprocalApprox } from '../../src/approx/reciprocal.js';
import { fRsqrt, rsqrtApprox } from '../../src/approx/rsqrt.js';
import { onGrid, run } from './_harness.js';

const ULP = 2 ** -18;
const logspace = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));

/** max over i of (|got − want| − absTol)⁺ / |want|, and where. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>, x: ArrayLike<number>, absTol = 0) {
  let max = 0;
  let at = NaN;
  for (let i = 0; i < got.length; i++) {
    const e = Math.max(0, Math.abs(got[i] - want[i]) - absTol) / Math.abs(want[i]);
    if (e > max) {
      max = e;
      at = x[i];
    }
  }
  return { max, at };
}

describe('reciprocal (Goldschmidt, 2 iterations, sign handled)', () => {
  const x = onGrid(logspace(0.01, 1000, 4001).flatMap((v) => [v, -v]));
  const want = Array.from(x, (v) => 1 / v);

  it('±[0.01, 1000] at f bits: relative ≤ 1e-3 beyond 1 ulp', async () => {
    const { y } = await run([{ data: x, shape: [x.length] }], (p, [X]) => fReciprocal(p, X));
    const e = relErr(y, want, x, ULP);
    expect(e.max, `at x = ${e.at}`).toBeLessThanOrEqual(1e-3);
    expect(relErr(y, want, x, 2 * ULP).max).toBeLessThan(2e-4);
    for (let i = 0; i < x.length; i++) expect(Math.sign(y[i])).toBe(Math.sign(x[i]));
  });

  it('±[0.01, 1000] with 30 output bits: relative ≤ 1e-3 outright', async () => {
    const { y } = await run([{ data: x, shape: [x.length] }], (p, [X]) => fReciprocal(p, X, { outScale: 30, minAbs: 0.005 }));
    const e = relErr(Array.from(y, (v) => v / 2 ** 12), want, x);
    expect(e.max, `at x = ${e.at}`).toBeLessThanOrEqual(1e-3);
    expect(e.max).toBeLessThan(2e-4);
  });

  it('positive-only range, zero, underflow, float model', async () => {
    const v = [0, 2 ** -18, 1, 3, 2 ** 17, 5e5, 2 ** 30];
    const { y } = await run([{ data: v, shape: [v.length] }], (p, [X]) => fReciprocal(p, X, { positive: true }));
    expect(y[0]).toBe(0); // 1/0 → 0 (no octave)
    expect(y[1]).toBeCloseTo(2 ** 18, -1);
    expect(y[2]).toBeCloseTo(1, 4);
    expect(y[3]).toBeCloseTo(1 / 3, 4);
    expect(Math.abs(y[4] - 2 ** -17)).toBeLessThanOrEqual(ULP); // 2 ulp result
    expect(Math.abs(y[5])).toBeLessThanOrEqual(ULP); // underflows to 0 (within an ulp)
    expect(Math.abs(y[6])).toBeLessThanOrEqual(ULP);
    for (const t of [0.013, 0.7, 1, 123.4, -5]) expect(Math.abs(reciprocalApprox(t) * t - 1)).toBeLessThan(6e-5);
  });
});

describe('rsqrt (PUMA polynomial on [0.25, 0.5), no Newton)', () => {
  it('[1e-3, 1e4]: relative ≤ 1e-3 (and ≤ 1e-4 beyond 1 ulp)', async () => {
    const x = onGrid(logspace(1e-3, 1e4, 6001));
    const want = Array.from(x, (v) => 1 / Math.sqrt(v));
    const { y } = await run([{ data: x, shape: [x.length] }], (p, [X]) => fRsqrt(p, X));
    const e = relErr(y, want, x);
    expect(e.max, `at x = ${e.at}`).toBeLessThanOrEqual(1e-3);
    expect(relErr(y, want, x, ULP).max).toBeLessThan(1e-4);
    // every octave, even and odd exponents (√2 correction), against the float model
    const model = Array.from(x, rsqrtApprox);
    expect(relErr(y, model, x, 2 * ULP).max).toBeLessThan(2e-5);
  });

  it('public scale and large inputs', async () => {
    const v = [1, 2, 4, 1e9, 2 ** 36];
    const { y } = await run([{ data: v, shape: [v.length] }], (p, [X]) => fRsqrt(p, X, { scale: 3 }));
    expect(y[0]).toBeCloseTo(3, 3);
    expect(y[1]).toBeCloseTo(3 / Math.SQRT2, 3);
    expect(y[2]).toBeCloseTo(1.5, 3);
    expect(Math.abs(y[3] - 3 / Math.sqrt(1e9))).toBeLessThan(4 * ULP);
  });
});
