/**
 * View simulation of checked mode (harness: tests/protocols/_views.ts): with the range check on,
 * what each party receives — the truncations' frames plus the check's msb, OR tree and the one
 * revealed flag — must not depend on the (in-range) secrets. An out-of-range secret changes the
 * flag, and only the flag: that one bit is checked mode's declared leakage.
 */
import { describe, expect, it } from 'vitest';
import type { AShare, BitShare } from '../../src/protocols/share.js';
import { truncA } from '../../src/protocols/trunc.js';
import { fMul } from '../../src/protocols/fixed.js';
import { checkBelow, enableRangeCheck, flushRangeCheck } from '../../src/protocols/range-check.js';
import { ALPHA, relationPValue, viewTest, type SecretInput } from './_views.js';

const F = 18;
const fx = (v: number[]): BigUint64Array => BigUint64Array.from(v.map((x) => BigInt.asUintN(64, BigInt(Math.round(x * 2 ** F)))));
const A = (shape: number[], a: number[], b: number[]): SecretInput => ({ kind: 'A', shape, a: fx(a), b: fx(b) });
const a = (xs: (AShare | BitShare)[], i: number): AShare => xs[i] as AShare;

describe('view simulation: checked mode', () => {
  it('truncA ×3 (every dealer role), fMul and a variance bound, then one range check: no party’s received frames depend on the secrets', async () => {
    const r = await viewTest({
      name: 'checked truncations',
      trials: 16,
      inputs: [A([4], [1.5, -2.25, 3, -0.5], [-7, 0.125, 2, 5.5]), A([4], [0.5, 4, -1, 2], [3, -3, 0.75, -6])],
      program: async (p, xs) => {
        enableRangeCheck(p);
        for (let r = 0; r < 3; r++) await truncA(p, a(xs, 0));
        await fMul(p, a(xs, 0), a(xs, 1));
        checkBelow(p, 'bound', a(xs, 1), 100n << 18n);
        await flushRangeCheck(p, 'views');
      },
    });
    expect(r.received.some((w) => w > 0)).toBe(true);
    expect(r.findings).toEqual([[], [], []]);
    expect(relationPValue(16, 0)).toBeLessThanOrEqual(ALPHA / Math.max(...r.relations));
  });
});
