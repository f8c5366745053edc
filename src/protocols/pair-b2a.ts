/**
 * Bits XOR-shared 2-of-2 between P1 and P2 → the same bits as 2-of-2 ADDITIVE ring shares of P1
 * and P2, in one round, with P0 dealing one product per bit (a dealer-assisted AND in the style
 * of Beaver's triples and ABY2.0's preprocessed masks; P0 receives nothing).
 *
 *   x = x1 ⊕ x2 = x1 + x2 − 2·x1·x2, x1 at P1, x2 at P2.
 *   dealer   P0 draws mask bits e1 from seed(P0,P1) and e2 from seed(P0,P2), and γ from
 *            seed(P0,P1) (P1's share of e1·e2); it sends P2 δ = e1·e2 − γ (masked by γ, which
 *            P2 lacks). δ is a function of P0's seeds alone: dealer material (offline).
 *   round    P1 sends P2 f1 = x1 ⊕ e1 (masked by e1: seed(P0,P1), unknown to P2);
 *            P2 sends P1 f2 = x2 ⊕ e2 (masked by e2: seed(P0,P2), unknown to P1).
 *   local    with s_i = 1 − 2·f_i (so x_i = f_i + s_i·e_i as integers),
 *              x1·x2 = f1·f2 + s1·e1·f2 + s2·e2·f1 + s1·s2·e1·e2,
 *            P1 returns x1 − 2·(f1·f2 + s1·f2·e1 + s1·s2·γ), P2 returns x2 − 2·(s2·f1·e2 + s1·s2·δ).
 *
 * With width 32 the results are correct mod 2^32 only, and δ travels at 32 bits (narrow.ts): for
 * a caller that multiplies them by 2^32 or more (trunc-tuple.ts, d ≤ 31).
 *
 * Cost for `planes` bit vectors of n bits (W = ⌈n/64⌉ words each): 1 round, 2·8·planes·W bytes
 * (the two masked bit planes), dealer 8·narrowWords(planes·n) bytes. Used by trunc-tuple.ts.
 */
import type { RingKernels } from '../ring/kernels.js';
import type { OpCost, Party } from './context.js';
import { words } from './share.js';
import { narrowWords, packNarrow, unpackNarrow, type Width } from './narrow.js';

/** planes × W packed words → planes × n ring elements 0/1 (plane-major). */
export function unpackBits(k: RingKernels, w: BigUint64Array, planes: number, n: number): BigUint64Array {
  const W = words(n);
  const out = new BigUint64Array(planes * n);
  const scratch = new BigUint64Array(64 * W);
  for (let q = 0; q < planes; q++) {
    scratch.fill(0n);
    scratch.set(w.subarray(q * W, (q + 1) * W));
    k.fromBitPlanes(out.subarray(q * n, (q + 1) * n), scratch, n);
  }
  return out;
}

/** 1 − 2·f for ring 0/1 values f. */
function signOf(k: RingKernels, f: BigUint64Array): BigUint64Array {
  const s = new BigUint64Array(f.length);
  k.shl(s, f, 1);
  k.neg(s, s);
  k.addScalar(s, s, 1n);
  return s;
}

/**
 * `x`: P1's or P2's XOR halves, `planes` packed planes of n bits ([planes·W] words; P0: null).
 * Returns P1's or P2's additive shares [planes·n] (plane-major; mod 2^width), null at P0.
 */
export async function pairB2A(p: Party, x: BigUint64Array | null, planes: number, n: number, tag: string, width: Width = 64): Promise<BigUint64Array | null> {
  const W = words(n);
  const N = planes * n;
  const { k, prss, comm } = p;
  if (p.id === 0) {
    const e1 = unpackBits(k, prss.next.ring(planes * W), planes, n); // seed(P0,P1)
    const gamma = prss.next.ring(N); // seed(P0,P1): P1's share of e1·e2
    const e2 = unpackBits(k, prss.prev.ring(planes * W), planes, n); // seed(P0,P2)
    const delta = new BigUint64Array(N);
    k.mul(delta, e1, e2);
    k.sub(delta, delta, gamma);
    comm.sendU64Offline(2, `${tag}/deal`, packNarrow(delta, width));
    return null;
  }
  if (!x) throw new Error('pairB2A: evaluator without bits');
  const isP1 = p.id === 1;
  const eW = isP1 ? prss.prev.ring(planes * W) : prss.next.ring(planes * W);
  const gamma = isP1 ? prss.prev.ring(N) : null;
  const fMine = new BigUint64Array(planes * W);
  k.xor(fMine, x, eW);
  const other = isP1 ? 2 : 1;
  comm.sendU64(other, `${tag}/open`, fMine);
  const delta = isP1 ? null : unpackNarrow(await comm.recvU64Offline(0, `${tag}/deal`, narrowWords(N, width)), N, width);
  const fOther = await comm.recvU64(other, `${tag}/open`, planes * W);
  const mine = unpackBits(k, x, planes, n);
  const e = unpackBits(k, eW, planes, n);
  const f1 = unpackBits(k, isP1 ? fMine : fOther, planes, n);
  const f2 = unpackBits(k, isP1 ? fOther : fMine, planes, n);
  const s1 = signOf(k, f1);
  const s2 = signOf(k, f2);
  const t = new BigUint64Array(N);
  const u = new BigUint64Array(N);
  // s1·s2·(γ or δ)
  k.mul(t, s1, s2);
  k.mul(t, t, (isP1 ? gamma : delta) as BigUint64Array);
  if (isP1) {
    k.mul(u, f1, f2);
    k.add(t, t, u);
    k.mul(u, s1, f2);
    k.mul(u, u, e); // e = e1
  } else {
    k.mul(u, s2, f1);
    k.mul(u, u, e); // e = e2
  }
  k.add(t, t, u);
  k.shl(t, t, 1);
  k.sub(mine, mine, t);
  return mine;
}

/** One call on `planes` vectors of n bits. */
export const pairB2ACost = (planes: number, n: number, width: Width = 64): OpCost => ({ rounds: 1, bytesTotal: 2 * 8 * planes * words(n), offlineBytesTotal: 8 * narrowWords(planes * n, width) });
