/**
 * Row maxima of a ragged tensor: rows of different lengths packed one after another (the kept
 * entries of causally masked attention rows). Each row is reduced by a tournament whose matches
 * are GROUPS of up to g entries instead of pairs, so the depth in rounds drops from 10 per
 * halving to about 10–14 per g-fold reduction:
 *
 *   per level, for every group (x_0 … x_{s−1}) of every row, all in one batch:
 *   1. the sign bits of every in-group difference x_i − x_j (i < j), lt_ij = [x_i < x_j], left
 *      as P1/P2's 2-of-2 sharing (msbPair)                                              4 rounds
 *   2. winner bits w_i = ∧_{j>i} ¬lt_ij ∧ ∧_{j<i} lt_ji (the first maximal entry wins), for
 *      i < s − 1 only: a dealt AND tree of fan-in ≤ 11 on the same 2-of-2 sharing, left there
 *                                                                          ⌈log11(s − 1)⌉ rounds
 *   3. max = x_{s−1} + Σ_{i<s−1} w_i·(x_i − x_{s−1})  (exactly one w is 1), the products taken
 *      from the 2-of-2 winner bits (pair-mux.ts; P0's message goes out before the bits exist):
 *      the last level replicated (mulA1BPair)                                          2 rounds
 *      earlier levels as P1/P2's additive halves (mulA1BPairAdditive)                  1 round
 *   and a later level compares those halves at once (msbPairOfSum: 3 rounds, no input round)
 *   while a reshare makes them replicated for its own selection (finishLevels).
 *   (until 2026-12-03 the winner bits were made replicated first, 1 round, for mulA1B, 2 rounds,
 *   every level ended replicated, and the AND gates had at most 6 inputs)
 *
 * With g = 2 this is the classic binary tournament (one comparison and one selection per pair,
 * no AND). The group size of a level is the smallest g ≤ maxArity that finishes in the minimum
 * number of levels for the longest row, which keeps comparisons (≈ (g − 1)/2 per entry) low.
 * No row is padded with compared dummies; rows never mix. `raggedArgmax` carries the column
 * index of each candidate through the same muxes (secure argmax for the 'token' output mode).
 * maxLast / argmaxLast are the same tournament over equal rows (maxArity 2: PUMA's binary tree).
 * This is the only max tournament in the code base (softmax's row max, the token-mode argmax and
 * the selftest all use it; max-early.ts starts its first level on untruncated values). The level
 * helpers exported below (winners, finishLevels, finishLevelsCost) are for max-early.ts; the
 * tournament's public plan (levels, groups, index lists) is in max-plan.ts.
 */
import type { OpCost, Party } from './context.js';
import { addCosts, branches, parCosts, scoped } from './context.js';
import { msbPair, msbPairCost, msbPairOfSum, msbPairOfSumCost } from './msb.js';
import { andTree, andTreeCost } from './dealt-and.js';
import { mulA1BPair, mulA1BPairAdditive, mulA1BPairAdditiveCost, mulA1BPairCost, pairAdditiveToReplicated, pairAdditiveToReplicatedCost } from './pair-mux.js';
import { subAA } from './arith.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';
import { publicShare } from './io.js';
import { checkLens, gather, planLevel, planRaggedMax, type Level, type LevelPlan } from './max-plan.js';

/** Winner bits as P1/P2's 2-of-2 XOR halves (packed [⌈I/64⌉] words; P0: null) for I selections. */
export interface WinnerBits {
  readonly n: number;
  readonly pair: BigUint64Array | null;
}

/**
 * Winner bits from the comparison signs (2-of-2 at P1/P2, packed): instance e ANDs the uses
 * lists[e] (¬ where `negate`: P1 flips its half), padded with a public 1 to the widest list, in a
 * dealt AND tree; the result stays 2-of-2 for mulA1BPair.
 */
export async function winners(p: Party, lt: BigUint64Array | null, lists: number[][], uses: number[], negate: boolean[]): Promise<WinnerBits> {
  const I = lists.length;
  const W = Math.ceil(I / 64);
  const m = lists.reduce((a, l) => Math.max(a, l.length), 0);
  let planes: BigUint64Array | null = null;
  if (lt) {
    const src = new Uint32Array(lt.buffer, lt.byteOffset, 2 * lt.length);
    planes = new BigUint64Array(m * W);
    const dst = new Uint32Array(planes.buffer);
    const one = p.id === 1 ? 1 : 0; // a public bit sits in P1's half
    lists.forEach((l, e) => {
      for (let k = 0; k < m; k++) {
        let bit = one;
        if (k < l.length) {
          const c = uses[l[k]];
          bit = ((src[c >>> 5] >>> (c & 31)) & 1) ^ (negate[l[k]] ? one : 0);
        }
        dst[2 * k * W + (e >>> 5)] |= bit << (e & 31);
      }
    });
  }
  return { n: I, pair: await andTree(p, planes, m, W, 'max/win') };
}

/** x: [Σ lens] packed rows (every length ≥ 1) → [rows] maxima. */
export function raggedMax(p: Party, x: AShare, lens: ArrayLike<number>, maxArity = 2): Promise<AShare> {
  return scoped(p, 'max', async () => (await tournament(p, x, lens, maxArity, false)).max);
}

/**
 * Row maxima and the index of the first maximal entry of each row (a shared integer, not fixed
 * point): the same tournament, each mux also carrying the candidates' public column indices.
 */
export function raggedArgmax(p: Party, x: AShare, lens: ArrayLike<number>, maxArity = 2): Promise<{ max: AShare; index: AShare }> {
  return scoped(p, 'argmax', async () => {
    const r = await tournament(p, x, lens, maxArity, true);
    return { max: r.max, index: r.index as AShare };
  });
}

/** Per output: its group's last entry plus the selections of its group (s0 and s1 of `picked`, or one additive half). */
function assemble(lp: LevelPlan, from: BigUint64Array, picked: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(lp.outSrc.length);
  lp.outSrc.forEach((src, o) => {
    let v = from[src];
    for (const k of lp.outSel[o]) v += picked[k];
    out[o] = v; // stored mod 2^64
  });
  return out;
}

/** The level's selections x_i − x_last (and the same for the indices). */
function selectionDiffs(p: Party, cur: AShare, idx: AShare | null, lp: LevelPlan): AShare[] {
  const diffs = [subAA(p, gather(cur, lp.selMember), gather(cur, lp.selLast))];
  if (idx) diffs.push(subAA(p, gather(idx, lp.selMember), gather(idx, lp.selLast)));
  return diffs;
}

/** The level's muxes: each group's winner (and its index) from the winner bits, replicated (mulA1BPair, 2 rounds). */
async function selectLevel(p: Party, cur: AShare, idx: AShare | null, bits: WinnerBits, lp: LevelPlan): Promise<{ cur: AShare; idx: AShare | null }> {
  const picks = await mulA1BPair(p, bits.pair, bits.n, selectionDiffs(p, cur, idx, lp), 'max/sel');
  const select = (from: AShare, picked: AShare): AShare => aShare([lp.outSrc.length], assemble(lp, from.s0, picked.s0), assemble(lp, from.s1, picked.s1));
  return { cur: select(cur, picks[0]), idx: idx ? select(idx, picks[1]) : null };
}

/**
 * The same muxes left as P1/P2's 2-of-2 ADDITIVE halves (mulA1BPairAdditive, 1 round; P0: null),
 * for a next level that compares them directly. The halves leave their party only through
 * msbPairOfSum's openings (masked by P0's seeds) and the reshare (masked by seed(P1,P2) towards
 * P0 and by seed(P2,P0) towards P1), never as they are.
 */
async function selectLevelHalves(p: Party, cur: AShare, idx: AShare | null, bits: WinnerBits, lp: LevelPlan): Promise<(BigUint64Array | null)[]> {
  const picks = await mulA1BPairAdditive(p, bits.pair, bits.n, selectionDiffs(p, cur, idx, lp), 'max/sel');
  if (p.id === 0) return picks.map(() => null);
  // this party's additive half of a replicated value: P1 x₁ + x₂ (its s0 + s1), P2 x₀ (its s1)
  const half = (v: AShare): BigUint64Array => {
    if (p.id === 2) return v.s1;
    const h = new BigUint64Array(v.s0.length);
    p.k.add(h, v.s0, v.s1);
    return h;
  };
  return [assemble(lp, half(cur), picks[0]), ...(idx ? [assemble(lp, half(idx), picks[1])] : [])];
}

/** x[i[t]] − x[j[t]] on an additive half (null at P0 stays null). */
function diffHalf(h: BigUint64Array | null, i: Int32Array, j: Int32Array): BigUint64Array | null {
  if (!h) return null;
  const out = new BigUint64Array(i.length);
  for (let t = 0; t < i.length; t++) out[t] = h[i[t]] - h[j[t]]; // stored mod 2^64
  return out;
}

/**
 * The tournament from the first level's winner bits on: between levels the maxima stay P1/P2's
 * additive halves, the next level's comparisons start on them at once (msbPairOfSum: no input
 * round) while a reshare makes them replicated for that level's own selection, on a concurrent
 * branch; the last level's selection is replicated. Per level boundary 2 rounds fewer than
 * selecting replicated maxima and comparing those (the reshare and msb's input round).
 */
export async function finishLevels(p: Party, levels: readonly Level[], bits0: WinnerBits, cur0: AShare, idx0: AShare | null): Promise<{ cur: AShare; idx: AShare | null }> {
  let cur = cur0;
  let idx = idx0;
  let bits = bits0;
  let lp = planLevel(levels[0]);
  for (let i = 0; i + 1 < levels.length; i++) {
    const halves = await selectLevelHalves(p, cur, idx, bits, lp);
    const m = lp.outSrc.length;
    const next = planLevel(levels[i + 1]);
    const [lt, vals] = await branches<[BigUint64Array | null, AShare[]]>(p, [
      ['cmp', (q) => msbPairOfSum(q, diffHalf(halves[0], next.cmpA, next.cmpB), next.cmpA.length)],
      [
        'values',
        async (q) =>
          Promise.all(
            halves.map(async (h, k) => {
              const r = await pairAdditiveToReplicated(q, h, m, `max/values${k}`);
              return aShare([m], r.s0, r.s1);
            }),
          ),
      ],
    ]);
    cur = vals[0];
    idx = idx ? vals[1] : null;
    lp = next;
    bits = await winners(p, lt, lp.lists, lp.uses, lp.negate);
  }
  return selectLevel(p, cur, idx, bits, lp);
}

/** finishLevels' cost: every level's selection and every level's comparisons after the first. */
export function finishLevelsCost(levels: readonly Level[], withIndex: boolean): OpCost {
  const count = withIndex ? 2 : 1;
  const parts: OpCost[] = [];
  levels.forEach((l, i) => {
    if (i > 0) {
      const prevOutputs = levels[i - 1].groups.reduce((t, gs) => t + gs.length, 0);
      parts.push(parCosts(msbPairOfSumCost(l.comparisons), addCosts(...Array.from({ length: count }, () => pairAdditiveToReplicatedCost(prevOutputs)))));
      parts.push(andTreeCost(l.andWidth, Math.ceil(l.selections / 64)));
    }
    parts.push(i + 1 < levels.length ? mulA1BPairAdditiveCost(l.selections, count) : mulA1BPairCost(l.selections, count));
  });
  return addCosts(...parts);
}

async function tournament(p: Party, x: AShare, lens: ArrayLike<number>, maxArity: number, withIndex: boolean): Promise<{ max: AShare; index: AShare | null }> {
  const w0 = checkLens(lens, x.s0.length);
  let cur = aShare([x.s0.length], x.s0, x.s1);
  let idx: AShare | null = null;
  if (withIndex) {
    const cols = new BigUint64Array(x.s0.length);
    let o = 0;
    for (const l of w0) for (let c = 0; c < l; c++) cols[o++] = BigInt(c);
    idx = publicShare(p, cols, [x.s0.length]);
  }
  const levels = planRaggedMax(w0, maxArity);
  if (levels.length > 0) {
    const lp = planLevel(levels[0]);
    const lt = await msbPair(p, subAA(p, gather(cur, lp.cmpA), gather(cur, lp.cmpB)));
    ({ cur, idx } = await finishLevels(p, levels, await winners(p, lt, lp.lists, lp.uses, lp.negate), cur, idx));
  }
  return { max: aShare([w0.length], cur.s0, cur.s1), index: idx ? aShare([w0.length], idx.s0, idx.s1) : null };
}

/**
 * Declared cost: the levels' steps added up. The rounds are an upper bound: msb leaves the parties
 * at staggered depths (P0 never waits in it, P2 skips its input round), so a level's msb can
 * overlap the previous level's mux by up to one round; the Lamport depth measures the real
 * critical path, at most one round per level boundary below this sum (tests hold both ends).
 */
export function raggedMaxCost(lens: ArrayLike<number>, maxArity = 2, withIndex = false): OpCost {
  const levels = planRaggedMax(lens, maxArity);
  if (levels.length === 0) return { rounds: 0, bytesTotal: 0 };
  const [l0] = levels;
  return addCosts(msbPairCost(l0.comparisons), andTreeCost(l0.andWidth, Math.ceil(l0.selections / 64)), finishLevelsCost(levels, withIndex));
}

/** Max along the last axis: [..., C] → [...] (maxArity 2: PUMA's binary tree). */
export function maxLast(p: Party, x: AShare, maxArity = 2): Promise<AShare> {
  const { lens, outShape } = equalRows(x);
  return raggedMax(p, x, lens, maxArity).then((m) => aShare(outShape, m.s0, m.s1));
}

/** Argmax along the last axis (index as a shared integer, not fixed point) and the max. */
export async function argmaxLast(p: Party, x: AShare, maxArity = 2): Promise<{ index: AShare; max: AShare }> {
  const { lens, outShape } = equalRows(x);
  const r = await raggedArgmax(p, x, lens, maxArity);
  return { index: aShare(outShape, r.index.s0, r.index.s1), max: aShare(outShape, r.max.s0, r.max.s1) };
}

/** Declared cost of maxLast over `rows` rows of `cols` columns (argmax muxes twice the elements). */
export function maxCost(rows: number, cols: number, withIndex = false, maxArity = 2): OpCost {
  return raggedMaxCost(new Array<number>(rows).fill(cols), maxArity, withIndex);
}

function equalRows(x: AShare): { lens: number[]; outShape: number[] } {
  const cols = x.shape[x.shape.length - 1];
  if (!cols) throw new RangeError('max of an empty axis');
  return { lens: new Array<number>(x.s0.length / cols).fill(cols), outShape: x.shape.slice(0, -1) };
}
