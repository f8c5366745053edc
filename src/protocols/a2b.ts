/**
 * Arithmetic to boolean conversion of whole 64-bit values (8 rounds): the same split as msb
 * (a = x_0 + x_1 input by P0, b = x_2), then a Kogge–Stone parallel-prefix adder over the
 * bit-planes to get every carry, and sum bits s_j = a_j ⊕ b_j ⊕ c_j.
 */
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { WordShare } from './bool.js';
import { andWords } from './bool.js';
import type { AShare, BShare } from './share.js';
import { bShare } from './share.js';
import { splitSum } from './msb.js';

function planeOf(x: WordShare, j: number, W: number): WordShare {
  return { s0: x.s0.subarray(j * W, (j + 1) * W), s1: x.s1.subarray(j * W, (j + 1) * W) };
}

/** The (target, source) pairs of each Kogge–Stone level over bits 0..62 (G and P ANDs). */
export function koggeStoneLevels(): { g: [number, number][]; p: [number, number][] }[] {
  const levels: { g: [number, number][]; p: [number, number][] }[] = [];
  for (let d = 1; d < 63; d *= 2) {
    const g: [number, number][] = [];
    const pp: [number, number][] = [];
    for (let j = d; j < 63; j++) {
      g.push([j, j - d]);
      if (j - d >= d && 2 * d < 63) pp.push([j, j - d]);
    }
    levels.push({ g, p: pp });
  }
  return levels;
}

export function a2b(p: Party, x: AShare): Promise<BShare> {
  return scoped(p, 'a2b', async () => {
    const n = x.s0.length;
    const W = Math.ceil(n / 64);
    const { k } = p;
    const { a, b } = await splitSum(p, x, 'a2b/input');
    const A = { s0: new BigUint64Array(64 * W), s1: new BigUint64Array(64 * W) };
    const B = { s0: new BigUint64Array(64 * W), s1: new BigUint64Array(64 * W) };
    k.bitPlanes(A.s0, a.s0, n);
    k.bitPlanes(A.s1, a.s1, n);
    k.bitPlanes(B.s0, b.s0, n);
    k.bitPlanes(B.s1, b.s1, n);
    const P = { s0: new BigUint64Array(64 * W), s1: new BigUint64Array(64 * W) };
    k.xor(P.s0, A.s0, B.s0);
    k.xor(P.s1, A.s1, B.s1);
    const g = await andWords(p, A, B, 'a2b/g');
    // G[j], Pc[j]: generate/propagate of the group ending at bit j.
    const G = { s0: g.s0.slice(), s1: g.s1.slice() };
    const Pc = { s0: P.s0.slice(), s1: P.s1.slice() };
    for (const level of koggeStoneLevels()) {
      const pairs = [...level.g.map(([t, s]) => [planeOf(Pc, t, W), planeOf(G, s, W)] as const), ...level.p.map(([t, s]) => [planeOf(Pc, t, W), planeOf(Pc, s, W)] as const)];
      const left = { s0: new BigUint64Array(pairs.length * W), s1: new BigUint64Array(pairs.length * W) };
      const right = { s0: new BigUint64Array(pairs.length * W), s1: new BigUint64Array(pairs.length * W) };
      pairs.forEach(([l, r], i) => {
        left.s0.set(l.s0, i * W);
        left.s1.set(l.s1, i * W);
        right.s0.set(r.s0, i * W);
        right.s1.set(r.s1, i * W);
      });
      const prod = await andWords(p, left, right, 'a2b/carry');
      level.g.forEach(([t], i) => {
        const dst = planeOf(G, t, W);
        const q = planeOf(prod, i, W);
        k.xor(dst.s0, dst.s0, q.s0);
        k.xor(dst.s1, dst.s1, q.s1);
      });
      level.p.forEach(([t], i) => {
        const dst = planeOf(Pc, t, W);
        const q = planeOf(prod, level.g.length + i, W);
        dst.s0.set(q.s0);
        dst.s1.set(q.s1);
      });
    }
    // sum bit j = p_j ⊕ carry_j, carry_j = G[j-1]
    const S = { s0: P.s0.slice(), s1: P.s1.slice() };
    for (let j = 1; j < 64; j++) {
      const dst = planeOf(S, j, W);
      const c = planeOf(G, j - 1, W);
      k.xor(dst.s0, dst.s0, c.s0);
      k.xor(dst.s1, dst.s1, c.s1);
    }
    const s0 = new BigUint64Array(n);
    const s1 = new BigUint64Array(n);
    k.fromBitPlanes(s0, S.s0, n);
    k.fromBitPlanes(s1, S.s1, n);
    return bShare(x.shape, s0, s1);
  });
}

export function a2bCost(n: number): OpCost {
  const W = Math.ceil(n / 64);
  const levels = koggeStoneLevels();
  const ands = 64 + levels.reduce((t, l) => t + l.g.length + l.p.length, 0);
  return { rounds: 2 + levels.length, bytesTotal: 8 * n + 3 * 8 * ands * W };
}
