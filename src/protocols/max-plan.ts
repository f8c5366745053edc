/**
 * The row max tournament's public structure (max.ts): which rows are cut into which groups at
 * each level, and per level the index lists of its comparisons, winner ANDs and selections.
 * Identical at every party; nothing here touches a share except `gather`, a local reindexing.
 */
import type { AShare } from './share.js';
import { aShare } from './share.js';

/** One level of the tournament: group boundaries and what they cost. */
export interface Level {
  /** Per row: sizes of its groups (the last may be smaller). */
  groups: number[][];
  /** In-group comparisons (pairs i < j). */
  comparisons: number;
  /** Inputs of the widest winner AND (s − 1 for the largest group s; 0 when no group has 2). */
  andWidth: number;
  /** Selections (mulA1BPair elements). */
  selections: number;
}

/** Smallest integer g ≥ 2 with g^levels ≥ L. */
function arityFor(L: number, levels: number): number {
  let g = Math.max(2, Math.ceil(L ** (1 / levels) - 1e-9));
  while (g ** levels < L) g++;
  while (g > 2 && (g - 1) ** levels >= L) g--;
  return g;
}

/**
 * Plans are public functions of the row lengths, and a model asks for the same few shapes at every
 * layer and step (planLevel was ≈ 2 % of a decode step's samples when rebuilt per call): both
 * plans are kept and handed out shared, so callers treat them as read-only.
 */
const raggedPlans = new Map<string, Level[]>();
const RAGGED_PLANS_KEPT = 256;
const levelPlans = new WeakMap<Level, LevelPlan>();

/** The whole tournament for rows of the given lengths (all ≥ 1) with groups of at most maxArity. */
export function planRaggedMax(lens: ArrayLike<number>, maxArity: number): Level[] {
  if (!Number.isInteger(maxArity) || maxArity < 2) throw new RangeError(`maxArity must be an integer ≥ 2, got ${maxArity}`);
  const key = `${maxArity}|${Array.prototype.join.call(lens, ',')}`;
  const kept = raggedPlans.get(key);
  if (kept) return kept;
  let w = Array.from(lens);
  const longest = (v: number[]): number => v.reduce((a, x) => Math.max(a, x), 1);
  const L = longest(w);
  let levels = 0;
  while (maxArity ** levels < L) levels++;
  const levelsOut: Level[] = [];
  for (let left = levels; w.some((v) => v > 1); left--) {
    const g = arityFor(longest(w), left);
    const groups = w.map((v) => {
      const gs: number[] = [];
      for (let o = 0; o < v; o += g) gs.push(Math.min(g, v - o));
      return gs;
    });
    const sizes = groups.flat().filter((s) => s > 1);
    levelsOut.push({
      groups,
      comparisons: sizes.reduce((t, s) => t + (s * (s - 1)) / 2, 0),
      andWidth: sizes.reduce((a, s) => Math.max(a, s - 1), 0),
      selections: sizes.reduce((t, s) => t + s - 1, 0),
    });
    w = groups.map((gs) => gs.length);
  }
  if (raggedPlans.size >= RAGGED_PLANS_KEPT) raggedPlans.delete(raggedPlans.keys().next().value as string);
  raggedPlans.set(key, levelsOut);
  return levelsOut;
}

export function gather(x: AShare, idx: Int32Array): AShare {
  const s0 = new BigUint64Array(idx.length);
  const s1 = new BigUint64Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    s0[i] = x.s0[idx[i]];
    s1[i] = x.s1[idx[i]];
  }
  return aShare([idx.length], s0, s1);
}

/** One level's public index lists (identical at every party). */
export interface LevelPlan {
  /** Comparisons: lt = [x[cmpA] < x[cmpB]]. */
  cmpA: Int32Array;
  cmpB: Int32Array;
  /** Per selected member: its uses (indices into uses/negate). */
  lists: number[][];
  /** Comparison index of each use, and whether it takes ¬lt (x_i ≥ x_j). */
  uses: number[];
  negate: boolean[];
  /** Per selection: the member and its group's last entry. */
  selMember: Int32Array;
  selLast: Int32Array;
  /** Per output: source (the group's last entry) and the selections added to it. */
  outSrc: number[];
  outSel: number[][];
}

export function planLevel(level: Level): LevelPlan {
  const kept = levelPlans.get(level);
  if (kept) return kept;
  const cmpA: number[] = [];
  const cmpB: number[] = [];
  const selMember: number[] = [];
  const selLast: number[] = [];
  const lists: number[][] = [];
  const negate: boolean[] = [];
  const uses: number[] = [];
  const outSrc: number[] = [];
  const outSel: number[][] = [];
  let base = 0;
  for (const gs of level.groups) {
    for (const s of gs) {
      const first = cmpA.length;
      const pairIndex = (i: number, j: number) => first + i * s - (i * (i + 1)) / 2 + (j - i - 1); // i < j
      for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) {
        cmpA.push(base + i);
        cmpB.push(base + j);
      }
      const sels: number[] = [];
      for (let i = 0; i < s - 1; i++) {
        const l: number[] = [];
        for (let j = 0; j < s; j++) {
          if (j === i) continue;
          l.push(uses.length);
          if (j > i) {
            uses.push(pairIndex(i, j));
            negate.push(true); // x_i ≥ x_j
          } else {
            uses.push(pairIndex(j, i));
            negate.push(false); // x_j < x_i
          }
        }
        lists.push(l);
        sels.push(selMember.length);
        selMember.push(base + i);
        selLast.push(base + s - 1);
      }
      outSrc.push(base + s - 1);
      outSel.push(sels);
      base += s;
    }
  }
  const plan = { cmpA: Int32Array.from(cmpA), cmpB: Int32Array.from(cmpB), lists, uses, negate, selMember: Int32Array.from(selMember), selLast: Int32Array.from(selLast), outSrc, outSel };
  levelPlans.set(level, plan);
  return plan;
}

export function checkLens(lens: ArrayLike<number>, n: number): number[] {
  const w0 = Array.from(lens);
  if (w0.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError('raggedMax: every row needs ≥ 1 entry');
  if (w0.reduce((t, v) => t + v, 0) !== n) throw new RangeError(`raggedMax: lengths sum to ${w0.reduce((t, v) => t + v, 0)}, share has ${n}`);
  return w0;
}
