/**
 * OR of many shared bits into one shared bit (checked mode's "anything out of range?").
 *
 *   OR(a, b) = a ⊕ b ⊕ (a ∧ b): one AND per level of a binary tree.
 *   word phase: halve the packed words, ⌈log2 W⌉ levels (W = ⌈n/64⌉);
 *   lane phase: fold the last word onto itself by shifts 2^(L−1), …, 1, ⌈log2 min(n, 64)⌉ levels
 *               (shifting XOR shares is local).
 *
 * The result is lane 0 of one word; every other lane is zeroed in each share component, so
 * revealing the word reveals the one bit and nothing of the partial ORs in the other lanes.
 * Padding lanes of the input must hold the value 0 (true of msb and of sliceBits/concatBits).
 */
import type { OpCost, Party } from './context.js';
import { andWords, xorWords, type WordShare } from './bool.js';
import type { BitShare } from './share.js';
import { bitShare } from './share.js';

const orWords = async (p: Party, a: WordShare, b: WordShare, tag: string): Promise<WordShare> => xorWords(p, xorWords(p, a, b), await andWords(p, a, b, tag));

/** Levels of the lane phase for n bits. */
const laneLevels = (n: number): number => Math.ceil(Math.log2(Math.max(1, Math.min(n, 64))));

/** OR of the n bits of b, as a one-bit share (lane 0). */
export async function anyBit(p: Party, b: BitShare, tag: string): Promise<BitShare> {
  let w: WordShare = { s0: b.s0, s1: b.s1 };
  while (w.s0.length > 1) {
    const W = w.s0.length;
    const h = Math.floor(W / 2);
    const lo = { s0: w.s0.subarray(0, h), s1: w.s1.subarray(0, h) };
    const hi = { s0: w.s0.subarray(h, 2 * h), s1: w.s1.subarray(h, 2 * h) };
    const m = await orWords(p, lo, hi, tag);
    if (W % 2) {
      const s0 = new BigUint64Array(h + 1);
      const s1 = new BigUint64Array(h + 1);
      s0.set(m.s0);
      s1.set(m.s1);
      s0[h] = w.s0[W - 1];
      s1[h] = w.s1[W - 1];
      w = { s0, s1 };
    } else w = m;
  }
  for (let s = 1 << (laneLevels(b.n) - 1); s >= 1 && b.n > 1; s >>= 1) {
    const sh = { s0: BigUint64Array.of(w.s0[0] >> BigInt(s)), s1: BigUint64Array.of(w.s1[0] >> BigInt(s)) };
    w = await orWords(p, w, sh, tag);
  }
  return bitShare(1, BigUint64Array.of(w.s0[0] & 1n), BigUint64Array.of(w.s1[0] & 1n));
}

/** Rounds and bytes (summed over the parties) of anyBit over n bits. */
export function anyBitCost(n: number): OpCost {
  let W = Math.ceil(n / 64);
  let words = 0;
  let rounds = 0;
  while (W > 1) {
    words += Math.floor(W / 2);
    W = Math.ceil(W / 2);
    rounds++;
  }
  const lanes = n > 1 ? laneLevels(n) : 0;
  return { rounds: rounds + lanes, bytesTotal: 3 * 8 * (words + lanes) };
}
