/**
 * The row max of attention scores started before their truncation (raggedMaxEarly): the
 * tournament of max.ts whose FIRST level compares the 3-of-3 local product z itself (scale 2f),
 * while the truncation that gives the values to select from runs on a concurrent branch.
 *
 *   ┌ cmp:    splitAdditive(z) beside msb's input round, then msbPairOf on the in-group
 *   │         differences, winner bits (max.ts)                    msb + AND tree + exchange
 *   └ values: the caller's truncation of z (replicated, scale f)          2 rounds
 *   the selection from the 2-of-2 winner bits, then the remaining levels as in max.ts (finishLevels)
 *
 * Against truncating first, the first msb no longer waits for the truncation's second round: one
 * round less (P0-dealt truncation already hid one of its two rounds under msb's input round).
 * Security: splitAdditive's two messages are masked by PRSS values the receiver lacks (msb.ts);
 * everything else is msbPair, the dealt AND tree and mulA1BPair as in raggedMax.
 * The branches run on forked contexts (own streams and seeds).
 */
import type { OpCost, Party } from './context.js';
import { addCosts, branches, parCosts, scoped } from './context.js';
import { msbPairCost, msbPairOf, signInputDiff, splitAdditive, splitAdditiveCost, SPLIT_BESIDE_MSB } from './msb.js';
import { andTreeCost } from './dealt-and.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';
import { finishLevels, finishLevelsCost, winners, type WinnerBits } from './max.js';
import { checkLens, planLevel, planRaggedMax } from './max-plan.js';

/**
 * raggedMax whose first level compares z, a 3-of-3 additive sharing of the same values at any
 * larger scale (a local product before its truncation: attention's scores at 2f, |differences|
 * < 2^63), while `values` computes the replicated values the muxes select from (the truncation),
 * on a concurrent branch: the first level's msb starts right away (splitAdditive beside its input
 * round) instead of after the truncation. Later levels compare the selected values. Comparisons on
 * z and selections from values agree up to the truncation's ±1 ulp: a near-tie may select the
 * other of two entries that differ by 1 ulp. Returns the row maxima and the values.
 */
export function raggedMaxEarly(p: Party, z: BigUint64Array, values: (q: Party) => Promise<AShare>, lens: ArrayLike<number>, maxArity = 2): Promise<{ max: AShare; values: AShare }> {
  return scoped(p, 'max', async () => {
    const w0 = checkLens(lens, z.length);
    const levels = planRaggedMax(w0, maxArity);
    if (levels.length === 0) {
      const v = await values(p);
      return { max: aShare([w0.length], v.s0, v.s1), values: v };
    }
    const lp = planLevel(levels[0]);
    const [bits, v] = await branches<[WinnerBits, AShare]>(p, [
      ['cmp', async (q) => winners(q, await msbPairOf(q, signInputDiff(await splitAdditive(q, z, 'max/z'), lp.cmpA, lp.cmpB)), lp.lists, lp.uses, lp.negate)],
      ['values', values],
    ]);
    const { cur } = await finishLevels(p, levels, bits, v, null);
    return { max: aShare([w0.length], cur.s0, cur.s1), values: v };
  });
}

/** Declared cost of raggedMaxEarly, given the cost of `values`. */
export function raggedMaxEarlyCost(lens: ArrayLike<number>, maxArity: number, values: OpCost): OpCost {
  const levels = planRaggedMax(lens, maxArity);
  if (levels.length === 0) return values;
  const n = Array.from(lens).reduce((t, v) => t + v, 0);
  const [l0] = levels;
  // the split is over z's n elements, the comparisons over the level's in-group differences
  const cmp = addCosts(splitAdditiveCost(n), { rounds: -SPLIT_BESIDE_MSB, bytesTotal: 0 }, msbPairCost(l0.comparisons), andTreeCost(l0.andWidth, Math.ceil(l0.selections / 64)));
  return addCosts(parCosts(cmp, values), finishLevelsCost(levels, false));
}
