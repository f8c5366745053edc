/**
 * Row maxima of a ragged tensor: rows of different lengths packed one after another (the kept
 * entries of causally masked attention rows). A tournament tree as in src/protocols/max.ts,
 * but each row pairs only its own entries — no padding with compared dummies — and every
 * level batches all rows' comparisons into one msb and all selections into one mulA1B.
 * Levels: ⌈log2 max length⌉, 10 rounds each; elements compared per level: Σ_r ⌊w_r/2⌋.
 */
import type { OpCost, Party } from '../protocols/context.js';
import { scoped } from '../protocols/context.js';
import { msb, msbCost } from '../protocols/msb.js';
import { mulA1B, mulA1BCost } from '../protocols/bitmul.js';
import { addAA, subAA } from '../protocols/arith.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';

function gather(x: AShare, idx: Int32Array): AShare {
  const s0 = new BigUint64Array(idx.length);
  const s1 = new BigUint64Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    s0[i] = x.s0[idx[i]];
    s1[i] = x.s1[idx[i]];
  }
  return aShare([idx.length], s0, s1);
}

/** Pairs per level for the given row lengths (all ≥ 1). */
export function raggedLevels(lens: ArrayLike<number>): number[] {
  const w = Array.from(lens);
  const out: number[] = [];
  while (w.some((v) => v > 1)) {
    out.push(w.reduce((t, v) => t + Math.floor(v / 2), 0));
    for (let r = 0; r < w.length; r++) w[r] = Math.ceil(w[r] / 2);
  }
  return out;
}

/** x: [Σ lens] packed rows (every length ≥ 1) → [rows] maxima. */
export function raggedMax(p: Party, x: AShare, lens: ArrayLike<number>): Promise<AShare> {
  return scoped(p, 'max', async () => {
    const R = lens.length;
    let w = Array.from(lens);
    if (w.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError('raggedMax: every row needs ≥ 1 entry');
    if (w.reduce((t, v) => t + v, 0) !== x.s0.length) throw new RangeError(`raggedMax: lengths sum to ${w.reduce((t, v) => t + v, 0)}, share has ${x.s0.length}`);
    let cur = aShare([x.s0.length], x.s0, x.s1);
    while (w.some((v) => v > 1)) {
      const P = w.reduce((t, v) => t + Math.floor(v / 2), 0);
      const loIdx = new Int32Array(P);
      const hiIdx = new Int32Array(P);
      const next = w.map((v) => Math.ceil(v / 2));
      // new layout: per row, its pair winners then its odd tail
      const tails: [number, number][] = []; // [source index, destination index]
      let src = 0;
      let dst = 0;
      let q = 0;
      const winnerDst = new Int32Array(P);
      for (let r = 0; r < R; r++) {
        const pairs = Math.floor(w[r] / 2);
        for (let i = 0; i < pairs; i++, q++) {
          loIdx[q] = src + 2 * i;
          hiIdx[q] = src + 2 * i + 1;
          winnerDst[q] = dst + i;
        }
        if (w[r] % 2) tails.push([src + w[r] - 1, dst + pairs]);
        src += w[r];
        dst += next[r];
      }
      const lo = gather(cur, loIdx);
      const hi = gather(cur, hiIdx);
      const loLess = await msb(p, subAA(p, lo, hi)); // [lo < hi]: take hi
      const m = addAA(p, lo, await mulA1B(p, loLess, subAA(p, hi, lo)));
      const s0 = new BigUint64Array(dst);
      const s1 = new BigUint64Array(dst);
      for (let i = 0; i < P; i++) {
        s0[winnerDst[i]] = m.s0[i];
        s1[winnerDst[i]] = m.s1[i];
      }
      for (const [a, b] of tails) {
        s0[b] = cur.s0[a];
        s1[b] = cur.s1[a];
      }
      cur = aShare([dst], s0, s1);
      w = next;
    }
    return aShare([R], cur.s0, cur.s1);
  });
}

export function raggedMaxCost(lens: ArrayLike<number>): OpCost {
  let rounds = 0;
  let bytesTotal = 0;
  for (const P of raggedLevels(lens)) {
    const a = msbCost(P);
    const b = mulA1BCost(P);
    rounds += a.rounds + b.rounds;
    bytesTotal += a.bytesTotal + b.bytesTotal;
  }
  return { rounds, bytesTotal };
}
