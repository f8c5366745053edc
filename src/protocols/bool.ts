/**
 * Boolean (XOR) replicated sharing on packed 64-bit words: xorBB and notB are local; andBB
 * costs 1 round and one word per AND word per party.
 */
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { BitShare, BShare } from './share.js';
import { bitShare, bShare } from './share.js';

/** A pair of word arrays holding one party's two XOR shares. */
export interface WordShare {
  s0: BigUint64Array;
  s1: BigUint64Array;
}

export function xorWords(p: Party, a: WordShare, b: WordShare): WordShare {
  const n = a.s0.length;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  p.k.xor(s0, a.s0, b.s0);
  p.k.xor(s1, a.s1, b.s1);
  return { s0, s1 };
}

/** XOR with a public word array (into x_0, held by P0 and P2). */
export function xorWordsPublic(p: Party, a: WordShare, c: BigUint64Array): WordShare {
  const s0 = a.s0.slice();
  const s1 = a.s1.slice();
  if (p.id === 0) p.k.xor(s0, s0, c);
  if (p.id === 2) p.k.xor(s1, s1, c);
  return { s0, s1 };
}

/** AND of word arrays: z_i = a_i b_i ⊕ a_i b_{i+1} ⊕ a_{i+1} b_i ⊕ β_i, sent to the previous party. */
export async function andWords(p: Party, a: WordShare, b: WordShare, tag: string): Promise<WordShare> {
  const n = a.s0.length;
  const { k, comm } = p;
  const z = new BigUint64Array(n);
  const t = new BigUint64Array(n);
  k.xor(t, b.s0, b.s1);
  k.and(z, a.s0, t);
  k.and(t, a.s1, b.s0);
  k.xor(z, z, t);
  k.xor(z, z, p.prss.zeroXor(n));
  comm.sendU64(comm.prev, tag, z);
  const z1 = await comm.recvU64(comm.next, tag, n);
  return { s0: z, s1: z1 };
}

export function xorBB(p: Party, x: BShare, y: BShare): BShare {
  const r = xorWords(p, x, y);
  return bShare(x.shape, r.s0, r.s1);
}

export function notB(p: Party, x: BShare): BShare {
  const ones = new BigUint64Array(x.s0.length).fill(0xffffffffffffffffn);
  const r = xorWordsPublic(p, x, ones);
  return bShare(x.shape, r.s0, r.s1);
}

export function andBB(p: Party, x: BShare, y: BShare): Promise<BShare> {
  return scoped(p, 'andBB', async () => {
    const r = await andWords(p, x, y, 'andBB');
    return bShare(x.shape, r.s0, r.s1);
  });
}
export const andBBCost = (words: number): OpCost => ({ rounds: 1, bytesTotal: 3 * 8 * words });

export function xorBits(p: Party, x: BitShare, y: BitShare): BitShare {
  const r = xorWords(p, x, y);
  return bitShare(x.n, r.s0, r.s1);
}

/** NOT of packed bits (padding bits stay 0). */
export function notBits(p: Party, x: BitShare): BitShare {
  const ones = new BigUint64Array(x.s0.length).fill(0xffffffffffffffffn);
  const tail = x.n % 64;
  if (tail) ones[ones.length - 1] = (1n << BigInt(tail)) - 1n;
  const r = xorWordsPublic(p, x, ones);
  return bitShare(x.n, r.s0, r.s1);
}

export function andBits(p: Party, x: BitShare, y: BitShare): Promise<BitShare> {
  return scoped(p, 'andBits', async () => {
    const r = await andWords(p, x, y, 'andBits');
    return bitShare(x.n, r.s0, r.s1);
  });
}

/** Concatenate bit shares (batching comparisons); bits are repacked densely. */
export function concatBits(xs: readonly BitShare[]): BitShare {
  const n = xs.reduce((t, x) => t + x.n, 0);
  const W = Math.ceil(n / 64);
  const s0 = new Uint32Array(2 * W);
  const s1 = new Uint32Array(2 * W);
  let o = 0;
  for (const x of xs) {
    const a0 = new Uint32Array(x.s0.buffer, x.s0.byteOffset, 2 * x.s0.length);
    const a1 = new Uint32Array(x.s1.buffer, x.s1.byteOffset, 2 * x.s1.length);
    for (let e = 0; e < x.n; e++, o++) {
      s0[o >>> 5] |= ((a0[e >>> 5] >>> (e & 31)) & 1) << (o & 31);
      s1[o >>> 5] |= ((a1[e >>> 5] >>> (e & 31)) & 1) << (o & 31);
    }
  }
  return bitShare(n, new BigUint64Array(s0.buffer), new BigUint64Array(s1.buffer));
}

/** Bits [start, start+len) of a bit share. */
export function sliceBits(x: BitShare, start: number, len: number): BitShare {
  const W = Math.ceil(len / 64);
  const s0 = new Uint32Array(2 * W);
  const s1 = new Uint32Array(2 * W);
  const a0 = new Uint32Array(x.s0.buffer, x.s0.byteOffset, 2 * x.s0.length);
  const a1 = new Uint32Array(x.s1.buffer, x.s1.byteOffset, 2 * x.s1.length);
  for (let e = 0; e < len; e++) {
    const src = start + e;
    s0[e >>> 5] |= ((a0[src >>> 5] >>> (src & 31)) & 1) << (e & 31);
    s1[e >>> 5] |= ((a1[src >>> 5] >>> (src & 31)) & 1) << (e & 31);
  }
  return bitShare(len, new BigUint64Array(s0.buffer), new BigUint64Array(s1.buffer));
}
