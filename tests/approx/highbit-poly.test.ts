/**
 * The two engines: highest-set-bit tables (exact, any sign, any octave — fast-check samples)
 * and batched polynomial evaluation (random polynomials of degree 0..8 against float64, within
 * the plan's own error estimate).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { highBitCompares, highBits, weigh, weighTimes } from '../../src/approx/highbit.js';
import { evalPolys, planPolys, polyLevels, type PolySpec } from '../../src/approx/poly.js';
import { polyAt, polyBound } from '../../src/approx/piecewise.js';
import { revealAll, shareInput } from '../../src/protocols/io.js';
import { runLocal } from '../../src/protocols/local.js';
import { decode, encode } from '../../src/ring/fixed-point.js';
import { run, uniform } from './_harness.js';

const msbIndex = (v: bigint): number => v.toString(2).length - 1;

describe('highbit: sign(x)·W(m) for the highest set bit m of |x|', () => {
  const edge = [0n, 1n, -1n, 2n, -2n, 3n, (1n << 60n) - 1n, -(1n << 60n), 1n << 40n, -(1n << 40n) + 1n, 12345n];
  const sample = fc.sample(fc.bigInt({ min: -(1n << 61n), max: 1n << 61n }), { numRuns: 300, seed: 42 });
  const sampleSmall = fc.sample(fc.bigInt({ min: -(1n << 20n), max: 1n << 20n }), { numRuns: 200, seed: 7 });
  const xs = [...edge, ...sample, ...sampleSmall];
  const ring = BigUint64Array.from(xs, (v) => BigInt.asUintN(64, v));

  async function tables(lo: number, hi: number, signed: boolean) {
    const { results } = await runLocal(async (p) => {
      const X = await shareInput(p, 0, p.id === 0 ? ring : null, [ring.length]);
      const hb = await highBits(p, X, { lo, hi, signed });
      const a = weigh(p, hb, (m) => BigInt(m * m + 1));
      const b = weigh(p, hb, (m) => 1n << BigInt(m));
      return [await revealAll(p, a), await revealAll(p, b)];
    });
    return results[0].map((r) => Array.from(r, (v) => BigInt.asIntN(64, v)));
  }

  it('signed, all octaves [0, 62): exact', async () => {
    const [a, b] = await tables(0, 62, true);
    xs.forEach((v, i) => {
      const s = v < 0n ? -1n : 1n;
      const abs = v < 0n ? -v : v;
      if (v === 0n) {
        expect(a[i]).toBe(0n);
        return;
      }
      const m = msbIndex(abs);
      expect(a[i]).toBe(s * BigInt(m * m + 1));
      expect(b[i]).toBe(s * (1n << BigInt(m))); // the highest set bit itself, with sign
    });
  });

  it('positive, window [8, 30): below → 0, above → W(29)', async () => {
    const pos = xs.map((v) => (v < 0n ? -v : v));
    const { results } = await runLocal(async (p) => {
      const X = await shareInput(p, 0, p.id === 0 ? BigUint64Array.from(pos) : null, [pos.length]);
      const hb = await highBits(p, X, { lo: 8, hi: 30, signed: false });
      return revealAll(p, weigh(p, hb, (m) => BigInt(m)));
    });
    pos.forEach((v, i) => {
      const got = BigInt.asIntN(64, results[0][i]);
      if (v < 256n) expect(got).toBe(0n);
      else expect(got).toBe(BigInt(Math.min(29, msbIndex(v))));
    });
  });

  it('weighTimes: the 3-of-3 shares sum to x·sign(x)·W(m) exactly (mod 2^64), signed and positive windows', async () => {
    const W = (m: number): bigint => (1n << BigInt(62 - m)) + BigInt(m); // large entries: summands wrap, the sum must not care
    for (const plan of [
      { lo: 0, hi: 62, signed: true },
      { lo: 8, hi: 30, signed: false },
    ]) {
      const vals = plan.signed ? ring : BigUint64Array.from(xs, (v) => (v < 0n ? -v : v));
      const { results } = await runLocal(async (p) => {
        const X = await shareInput(p, 0, p.id === 0 ? vals : null, [vals.length]);
        const cmp = await highBitCompares(p, X, plan);
        const hb = await highBits(p, X, plan);
        return { z: await weighTimes(p, cmp, X, W), table: await revealAll(p, weigh(p, hb, W)) };
      });
      vals.forEach((v, i) => {
        const sum = BigInt.asUintN(64, results[0].z[i] + results[1].z[i] + results[2].z[i]);
        expect(sum).toBe(BigInt.asUintN(64, v * results[0].table[i]));
      });
    }
  });

  it('rejects bad windows', async () => {
    await expect(runLocal(async (p) => highBits(p, await shareInput(p, 0, p.id === 0 ? new BigUint64Array(1) : null, [1]), { lo: 5, hi: 5, signed: false }))).rejects.toThrow(RangeError);
  });
});

describe('poly: batched fixed-point polynomials', () => {
  const cfg = { ringBits: 64 as const, fracBits: 18 };
  const specs: PolySpec[] = fc
    .sample(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 9, maxLength: 9 }), fc.constantFrom(0.5, 1, 3, 8)), { numRuns: 24, seed: 3 })
    .map(([deg, c, r]) => {
      const coeffs = c.slice(0, deg + 1).map((v, k) => v / r ** k); // |terms| ≤ 1 on the radius
      return { coeffs, radius: r, bound: polyBound(coeffs, -r, r) };
    });

  it('random polynomials of degree 0..8, several at once: ≤ 3 levels, error within the estimate', async () => {
    // group by radius so each batch shares its powers
    for (const r of [0.5, 1, 3, 8]) {
      const group = specs.filter((s) => s.radius === r);
      if (!group.length) continue;
      const plan = planPolys(group, 18, 18);
      expect(polyLevels(plan)).toBeLessThanOrEqual(3);
      const x = decode(encode(uniform(3000, -r, r, r * 10), cfg, 'x'), cfg);
      const { results } = await runLocal(async (p) => {
        const X = await shareInput(p, 0, p.id === 0 ? encode(x, p.cfg, 'x') : null, [x.length]);
        const ys = await evalPolys(p, X, plan);
        return Promise.all(ys.map(async (y) => decode(await revealAll(p, y), p.cfg)));
      });
      group.forEach((s, j) => {
        let worst = 0;
        x.forEach((v, i) => (worst = Math.max(worst, Math.abs(results[0][j][i] - polyAt(s.coeffs, v)))));
        expect(worst, `degree ${s.coeffs.length - 1}, radius ${r}`).toBeLessThanOrEqual(2 * plan.errorEstimate + 2 ** -16);
      });
    }
  });

  it('output and input scales other than f', async () => {
    const plan = planPolys([{ coeffs: [1, -2, 0.5, 0.25, -0.125], radius: 1, bound: 4 }], 24, 30);
    const x = [-1, -0.5, 0, 0.3, 1];
    const { y } = await run([{ data: x.map((v) => v * 2 ** 6), shape: [5] }], async (p, [X]) => (await evalPolys(p, X, plan))[0]);
    x.forEach((v, i) => expect(y[i] / 2 ** 12).toBeCloseTo(polyAt([1, -2, 0.5, 0.25, -0.125], v), 6));
  });
});
