/** exp(x) for x ∈ [−20, 0] (PUMA's (1 + x/32)^32 and the degree-4 Taylor base), masking below −14. */
import { describe, expect, it } from 'vitest';
import { fExp, expApprox } from '../../src/approx/exp.js';
import { PUMA_EXP, TAYLOR4_EXP, type ExpConfig } from '../../src/approx/config.js';
import { errStats, onGrid, range, run } from './_harness.js';

const ULP = 2 ** -18;

describe('exp on [−20, 0], step 1e-3', () => {
  const x = onGrid(range(-20, 0, 1e-3));
  const cases: [string, ExpConfig, number][] = [
    ['PUMA (1 + x/32)^32', PUMA_EXP, 0.0087],
    ['Taylor-4 base, 3 squarings', TAYLOR4_EXP, 1e-4],
    ['Taylor-2 base, 5 squarings', { degree: 2, t: 5, maskBelow: -14 }, 3e-4],
  ];
  for (const [name, e, bound] of cases) {
    it(`${name}: max |error| ≤ ${bound}, masked lanes ≤ 1 ulp`, async () => {
      const { y } = await run([{ data: x, shape: [x.length] }], (p, [X]) => fExp(p, X, e));
      const err = errStats(y, Array.from(x, Math.exp), x);
      expect(err.maxAbs, `at x = ${err.argMax}`).toBeLessThanOrEqual(bound);
      x.forEach((v, i) => {
        if (v < -14) expect(Math.abs(y[i])).toBeLessThanOrEqual(ULP);
      });
      expect(errStats(y, Array.from(x, (v) => expApprox(v, e))).maxAbs).toBeLessThan(64 * ULP);
      expect(Math.abs(y[y.length - 1] - 1)).toBeLessThanOrEqual(4 * ULP); // exp(0)
    });
  }

  it('very negative inputs are masked, not overflowed', async () => {
    const { y } = await run([{ data: [-1e9, -65, -33, -14.5, -1e-6], shape: [5] }], (p, [X]) => fExp(p, X));
    expect(Array.from(y.subarray(0, 4)).every((v) => Math.abs(v) <= ULP)).toBe(true);
    expect(y[4]).toBeCloseTo(1, 4);
  });

  it('rejects a base that goes negative', async () => {
    await expect(run([{ data: [0], shape: [1] }], (p, [X]) => fExp(p, X, { degree: 1, t: 3, maskBelow: -14 }))).rejects.toThrow(RangeError);
  });
});
