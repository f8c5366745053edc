/**
 * Comparisons as the sign of a difference (valid while |x − y| < 2^63). Many comparisons are
 * batched into one msb call so they share its 8 rounds.
 */
import type { Party } from './context.js';
import { scoped } from './context.js';
import { subAA, addAPScalar, rsubAPScalar } from './arith.js';
import { msb, msbCost } from './msb.js';
import { sliceBits } from './bool.js';
import type { AShare, BitShare } from './share.js';
import { concatA } from './share.js';

/** [x < y] */
export function lessThan(p: Party, x: AShare, y: AShare): Promise<BitShare> {
  return scoped(p, 'lessThan', () => msb(p, subAA(p, x, y)));
}

/** [x > y] */
export function greaterThan(p: Party, x: AShare, y: AShare): Promise<BitShare> {
  return scoped(p, 'greaterThan', () => msb(p, subAA(p, y, x)));
}

/** [x < c] for a public ring scalar c. */
export function lessThanP(p: Party, x: AShare, c: bigint): Promise<BitShare> {
  return scoped(p, 'lessThanP', () => msb(p, addAPScalar(p, x, BigInt.asUintN(64, -c))));
}

/** [x > c] for a public ring scalar c. */
export function greaterThanP(p: Party, x: AShare, c: bigint): Promise<BitShare> {
  return scoped(p, 'greaterThanP', () => msb(p, rsubAPScalar(p, c, x)));
}

/** One comparison in a batch: [x < y] ('lt') or [x > y] ('gt'), y shared or a public scalar. */
export interface Comparison {
  x: AShare;
  op: 'lt' | 'gt';
  y: AShare | bigint;
}

/** All comparisons in one msb pass (8 rounds whatever their number). */
export function compareMany(p: Party, cs: readonly Comparison[]): Promise<BitShare[]> {
  return scoped(p, 'compare', async () => {
    const diffs = cs.map((c) => {
      const lhs = c.op === 'lt' ? c.x : c.y;
      const rhs = c.op === 'lt' ? c.y : c.x;
      if (typeof lhs === 'bigint') return rsubAPScalar(p, lhs, rhs as AShare);
      if (typeof rhs === 'bigint') return addAPScalar(p, lhs, BigInt.asUintN(64, -rhs));
      return subAA(p, lhs, rhs);
    });
    const bits = await msb(p, concatA(diffs));
    let o = 0;
    return diffs.map((d) => {
      const b = sliceBits(bits, o, d.s0.length);
      o += d.s0.length;
      return b;
    });
  });
}
export const compareCost = msbCost;
