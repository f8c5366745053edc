/**
 * Row maxima of a ragged tensor: rows of different lengths packed one after another (the kept
 * entries of causally masked attention rows). Each row is reduced by a tournament whose matches
 * are GROUPS of up to g entries instead of pairs, so the depth in rounds drops from 10 per
 * halving to about 10–14 per g-fold reduction:
 *
 *   per level, for every group (x_0 … x_{s−1}) of every row, all in one batch:
 *   1. one msb over every in-group difference x_i − x_j (i < j): lt_ij = [x_i < x_j]     8 rounds
 *   2. winner bits w_i = ∧_{j>i} ¬lt_ij ∧ ∧_{j<i} lt_ji (the first maximal entry wins),
 *      an AND tree over s − 1 bits, for i < s − 1 only                      ⌈log2(s − 1)⌉ rounds
 *   3. max = x_{s−1} + Σ_{i<s−1} w_i·(x_i − x_{s−1})  (exactly one w is 1)        2 rounds
 *
 * With g = 2 this is the classic binary tournament (one comparison and one mulA1B per pair, no
 * AND). The group size of a level is the smallest g ≤ maxArity that finishes in the minimum
 * number of levels for the longest row, which keeps comparisons (≈ (g − 1)/2 per entry) low.
 * No row is padded with compared dummies; rows never mix. `raggedArgmax` carries the column
 * index of each candidate through the same muxes (secure argmax for the 'token' output mode).
 * maxLast / argmaxLast are the same tournament over equal rows (maxArity 2: PUMA's binary tree).
 * This is the only max tournament in the code base (softmax's row max, the token-mode argmax and
 * the selftest all use it).
 */
import type { OpCost, Party } from './context.js';
import { addCosts, scoped } from './context.js';
import { msb, msbCost } from './msb.js';
import { mulA1B, mulA1BCost } from './bitmul.js';
import { subAA } from './arith.js';
import type { AShare, BitShare } from './share.js';
import { aShare, bitShare, concatA } from './share.js';
import { andBits, concatBits } from './bool.js';
import { publicShare } from './io.js';

/** One level of the tournament: group boundaries and what they cost. */
interface Level {
  /** Per row: sizes of its groups (the last may be smaller). */
  groups: number[][];
  /** In-group comparisons (pairs i < j). */
  comparisons: number;
  /** ANDs per AND round. */
  ands: number[];
  /** Selections (mulA1B elements). */
  selections: number;
}

/** Smallest integer g ≥ 2 with g^levels ≥ L. */
function arityFor(L: number, levels: number): number {
  let g = Math.max(2, Math.ceil(L ** (1 / levels) - 1e-9));
  while (g ** levels < L) g++;
  while (g > 2 && (g - 1) ** levels >= L) g--;
  return g;
}

/** AND counts per round for reducing lists of the given lengths pairwise. */
function andRounds(lengths: number[]): number[] {
  const out: number[] = [];
  let w = lengths.filter((v) => v > 1);
  while (w.length) {
    out.push(w.reduce((t, v) => t + Math.floor(v / 2), 0));
    w = w.map((v) => Math.ceil(v / 2)).filter((v) => v > 1);
  }
  return out;
}

/** The whole tournament for rows of the given lengths (all ≥ 1) with groups of at most maxArity. */
export function planRaggedMax(lens: ArrayLike<number>, maxArity: number): Level[] {
  if (!Number.isInteger(maxArity) || maxArity < 2) throw new RangeError(`maxArity must be an integer ≥ 2, got ${maxArity}`);
  let w = Array.from(lens);
  const L = Math.max(1, ...w);
  let levels = 0;
  while (maxArity ** levels < L) levels++;
  const levelsOut: Level[] = [];
  for (let left = levels; w.some((v) => v > 1); left--) {
    const g = arityFor(Math.max(...w), left);
    const groups = w.map((v) => {
      const gs: number[] = [];
      for (let o = 0; o < v; o += g) gs.push(Math.min(g, v - o));
      return gs;
    });
    const sizes = groups.flat().filter((s) => s > 1);
    const lists: number[] = [];
    for (const s of sizes) for (let i = 0; i < s - 1; i++) lists.push(s - 1);
    levelsOut.push({
      groups,
      comparisons: sizes.reduce((t, s) => t + (s * (s - 1)) / 2, 0),
      ands: andRounds(lists),
      selections: sizes.reduce((t, s) => t + s - 1, 0),
    });
    w = groups.map((gs) => gs.length);
  }
  return levelsOut;
}

function gather(x: AShare, idx: Int32Array): AShare {
  const s0 = new BigUint64Array(idx.length);
  const s1 = new BigUint64Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    s0[i] = x.s0[idx[i]];
    s1[i] = x.s1[idx[i]];
  }
  return aShare([idx.length], s0, s1);
}

/** Unpacked boolean shares, one byte per bit. */
interface Bits {
  s0: Uint8Array;
  s1: Uint8Array;
}

function unpack(b: BitShare): Bits {
  const s0 = new Uint8Array(b.n);
  const s1 = new Uint8Array(b.n);
  const a0 = new Uint32Array(b.s0.buffer, b.s0.byteOffset, 2 * b.s0.length);
  const a1 = new Uint32Array(b.s1.buffer, b.s1.byteOffset, 2 * b.s1.length);
  for (let e = 0; e < b.n; e++) {
    s0[e] = (a0[e >>> 5] >>> (e & 31)) & 1;
    s1[e] = (a1[e >>> 5] >>> (e & 31)) & 1;
  }
  return { s0, s1 };
}

function pack(s0: Uint8Array, s1: Uint8Array): BitShare {
  const n = s0.length;
  const W = Math.ceil(n / 64);
  const a0 = new Uint32Array(2 * W);
  const a1 = new Uint32Array(2 * W);
  for (let e = 0; e < n; e++) {
    a0[e >>> 5] |= s0[e] << (e & 31);
    a1[e >>> 5] |= s1[e] << (e & 31);
  }
  return bitShare(n, new BigUint64Array(a0.buffer), new BigUint64Array(a1.buffer));
}

/** AND-reduce lists of shared bits (indices into `bits`) pairwise; one round per tree level. */
async function andReduce(p: Party, bits: Bits, lists: number[][]): Promise<Bits> {
  const s0 = Array.from(bits.s0);
  const s1 = Array.from(bits.s1);
  let cur = lists.map((l) => [...l]);
  while (cur.some((l) => l.length > 1)) {
    const l0: number[] = [];
    const l1: number[] = [];
    const r0: number[] = [];
    const r1: number[] = [];
    for (const l of cur) for (let k = 0; k + 1 < l.length; k += 2) {
      l0.push(s0[l[k]]);
      l1.push(s1[l[k]]);
      r0.push(s0[l[k + 1]]);
      r1.push(s1[l[k + 1]]);
    }
    const prod = unpack(await andBits(p, pack(Uint8Array.from(l0), Uint8Array.from(l1)), pack(Uint8Array.from(r0), Uint8Array.from(r1))));
    let q = 0;
    cur = cur.map((l) => {
      const next: number[] = [];
      for (let k = 0; k + 1 < l.length; k += 2, q++) {
        next.push(s0.length);
        s0.push(prod.s0[q]);
        s1.push(prod.s1[q]);
      }
      if (l.length % 2) next.push(l[l.length - 1]);
      return next;
    });
  }
  const out0 = new Uint8Array(cur.length);
  const out1 = new Uint8Array(cur.length);
  cur.forEach((l, i) => {
    out0[i] = s0[l[0]];
    out1[i] = s1[l[0]];
  });
  return { s0: out0, s1: out1 };
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

async function tournament(p: Party, x: AShare, lens: ArrayLike<number>, maxArity: number, withIndex: boolean): Promise<{ max: AShare; index: AShare | null }> {
  {
    const R = lens.length;
    const w0 = Array.from(lens);
    if (w0.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError('raggedMax: every row needs ≥ 1 entry');
    if (w0.reduce((t, v) => t + v, 0) !== x.s0.length) throw new RangeError(`raggedMax: lengths sum to ${w0.reduce((t, v) => t + v, 0)}, share has ${x.s0.length}`);
    let cur = aShare([x.s0.length], x.s0, x.s1);
    let idx: AShare | null = null;
    if (withIndex) {
      const cols = new BigUint64Array(x.s0.length);
      let o = 0;
      for (const l of w0) for (let c = 0; c < l; c++) cols[o++] = BigInt(c);
      idx = publicShare(p, cols, [x.s0.length]);
    }
    for (const level of planRaggedMax(w0, maxArity)) {
      // index lists: comparisons (i, j), selections (member, last), singletons
      const cmpA: number[] = [];
      const cmpB: number[] = [];
      const selMember: number[] = [];
      const selLast: number[] = [];
      const lists: number[][] = []; // per selected member: indices into the comparison bits, negated flag below
      const negate: boolean[] = []; // per comparison-bit use: take ¬lt (x_i ≥ x_j)
      const uses: number[] = []; // comparison index of each use
      const outSrc: number[] = []; // per output: source index (last member) in cur
      const outSel: number[][] = []; // per output: selection indices
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
      const lt = unpack(await msb(p, subAA(p, gather(cur, Int32Array.from(cmpA)), gather(cur, Int32Array.from(cmpB)))));
      const u0 = new Uint8Array(uses.length);
      const u1 = new Uint8Array(uses.length);
      uses.forEach((c, k) => {
        u0[k] = lt.s0[c] ^ (negate[k] && p.id === 0 ? 1 : 0);
        u1[k] = lt.s1[c] ^ (negate[k] && p.id === 2 ? 1 : 0);
      });
      const win = await andReduce(p, { s0: u0, s1: u1 }, lists);
      const members = Int32Array.from(selMember);
      const lasts = Int32Array.from(selLast);
      const diffs = [subAA(p, gather(cur, members), gather(cur, lasts))];
      if (idx) diffs.push(subAA(p, gather(idx, members), gather(idx, lasts)));
      const bits = pack(win.s0, win.s1);
      const picked = await mulA1B(p, idx ? concatBits([bits, bits]) : bits, idx ? concatA(diffs) : diffs[0]);
      const select = (from: AShare, off: number): AShare => {
        const s0 = new BigUint64Array(outSrc.length);
        const s1 = new BigUint64Array(outSrc.length);
        outSrc.forEach((src, o) => {
          let a = from.s0[src];
          let b = from.s1[src];
          for (const k of outSel[o]) {
            a += picked.s0[off + k];
            b += picked.s1[off + k];
          }
          s0[o] = a;
          s1[o] = b;
        });
        return aShare([outSrc.length], s0, s1);
      };
      const nextCur = select(cur, 0);
      if (idx) idx = select(idx, selMember.length);
      cur = nextCur;
    }
    return { max: aShare([R], cur.s0, cur.s1), index: idx ? aShare([R], idx.s0, idx.s1) : null };
  }
}

/**
 * Declared cost: the levels' steps added up. The rounds are an upper bound: msb leaves the parties
 * at staggered depths (P0 never waits in it, P2 skips its input round), so a level's msb can
 * overlap the previous level's mux by up to one round; the Lamport depth measures the real
 * critical path, at most one round per level boundary below this sum (tests hold both ends).
 */
export function raggedMaxCost(lens: ArrayLike<number>, maxArity = 2, withIndex = false): OpCost {
  const parts: OpCost[] = [];
  for (const l of planRaggedMax(lens, maxArity)) {
    parts.push(msbCost(l.comparisons), ...l.ands.map((a) => ({ rounds: 1, bytesTotal: 3 * 8 * Math.ceil(a / 64) })), mulA1BCost(withIndex ? 2 * l.selections : l.selections));
  }
  return addCosts(...parts);
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
