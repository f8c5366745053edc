/**
 * MSB of arithmetic shares (the sign bit, the core of every comparison), ≤ 8 rounds.
 *
 * x = a + b with a = x_0 + x_1 (known to P0, input as a boolean sharing: 1 round, P0 sends 64
 * bits) and b = x_2 (known to P1 and P2: a free boolean sharing). msb(x) = a_63 ⊕ b_63 ⊕ c_63,
 * where the carry into bit 63 comes from a log-depth (generate, propagate) tree over bits 0..62:
 * one AND round for g = a ∧ b, then 6 levels. The values are bit-sliced (64 bit-planes of n bits),
 * so every AND is a word-wise AND of dense planes and nothing is sent for padding; only the
 * carry of the whole group [0, 62] is computed, and the lowest group never needs its propagate.
 */
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { WordShare } from './bool.js';
import { andWords } from './bool.js';
import type { AShare, BitShare } from './share.js';
import { bitShare } from './share.js';

interface Node {
  g: WordShare;
  p: WordShare | null; // null for the group that contains bit 0 (its propagate is never needed)
}

function plane(x: WordShare, j: number, W: number): WordShare {
  return { s0: x.s0.subarray(j * W, (j + 1) * W), s1: x.s1.subarray(j * W, (j + 1) * W) };
}

function xorInto(p: Party, out: WordShare, a: WordShare, b: WordShare): void {
  p.k.xor(out.s0, a.s0, b.s0);
  p.k.xor(out.s1, a.s1, b.s1);
}

function gather(parts: readonly WordShare[], W: number): WordShare {
  const s0 = new BigUint64Array(parts.length * W);
  const s1 = new BigUint64Array(parts.length * W);
  parts.forEach((q, i) => {
    s0.set(q.s0, i * W);
    s1.set(q.s1, i * W);
  });
  return { s0, s1 };
}

/** Number of AND planes of one tree level, and the node count after it. */
function levelAnds(nodes: number): { ands: number; next: number } {
  const pairs = Math.floor(nodes / 2);
  return { ands: pairs + (pairs - 1), next: nodes - pairs };
}

/** AND planes of the whole tree for bits 0..62 (plus the 63 planes of g). */
export function msbAndPlanes(): { planes: number; levels: number } {
  let planes = 63;
  let nodes = 63;
  let levels = 0;
  while (nodes > 1) {
    const l = levelAnds(nodes);
    planes += l.ands;
    nodes = l.next;
    levels++;
  }
  return { planes, levels };
}

/** Boolean sharings of a = x_0 + x_1 (input by P0) and b = x_2, as word arrays [n]. */
export async function splitSum(p: Party, x: AShare, tag: string): Promise<{ a: WordShare; b: WordShare }> {
  const n = x.s0.length;
  const { comm, k, prss } = p;
  const zero = () => new BigUint64Array(n);
  if (p.id === 0) {
    const a = new BigUint64Array(n);
    k.add(a, x.s0, x.s1);
    const g0 = prss.prev.ring(n); // seed shared with P2
    const g1 = new BigUint64Array(n);
    k.xor(g1, a, g0);
    comm.sendU64(1, tag, g1);
    return { a: { s0: g0, s1: g1 }, b: { s0: zero(), s1: zero() } };
  }
  if (p.id === 1) {
    const g1 = await comm.recvU64(0, tag, n);
    return { a: { s0: g1, s1: zero() }, b: { s0: zero(), s1: x.s1 } };
  }
  const g0 = prss.next.ring(n); // seed shared with P0
  return { a: { s0: zero(), s1: g0 }, b: { s0: x.s0, s1: zero() } };
}

function planes(p: Party, w: WordShare, n: number): WordShare {
  const W = Math.ceil(n / 64);
  const s0 = new BigUint64Array(64 * W);
  const s1 = new BigUint64Array(64 * W);
  p.k.bitPlanes(s0, w.s0, n);
  p.k.bitPlanes(s1, w.s1, n);
  return { s0, s1 };
}

/** Carry into bit 63 of a + b given their bit-planes. */
async function carry63(p: Party, A: WordShare, B: WordShare, W: number): Promise<WordShare> {
  const low = (x: WordShare): WordShare => ({ s0: x.s0.subarray(0, 63 * W), s1: x.s1.subarray(0, 63 * W) });
  const g = await andWords(p, low(A), low(B), 'msb/g');
  let nodes: Node[] = [];
  for (let j = 0; j < 63; j++) {
    let pj: WordShare | null = null;
    if (j > 0) {
      pj = { s0: new BigUint64Array(W), s1: new BigUint64Array(W) };
      xorInto(p, pj, plane(A, j, W), plane(B, j, W));
    }
    nodes.push({ g: plane(g, j, W), p: pj });
  }
  while (nodes.length > 1) {
    const pairs = Math.floor(nodes.length / 2);
    const left: WordShare[] = [];
    const right: WordShare[] = [];
    for (let m = 0; m < pairs; m++) {
      const lo = nodes[2 * m];
      const hi = nodes[2 * m + 1];
      left.push(hi.p as WordShare);
      right.push(lo.g);
    }
    for (let m = 0; m < pairs; m++) {
      const lo = nodes[2 * m];
      const hi = nodes[2 * m + 1];
      if (lo.p) {
        left.push(hi.p as WordShare);
        right.push(lo.p);
      }
    }
    const prod = await andWords(p, gather(left, W), gather(right, W), 'msb/carry');
    const next: Node[] = [];
    let pi = pairs;
    for (let m = 0; m < pairs; m++) {
      const lo = nodes[2 * m];
      const hi = nodes[2 * m + 1];
      const gm = { s0: new BigUint64Array(W), s1: new BigUint64Array(W) };
      xorInto(p, gm, hi.g, plane(prod, m, W));
      next.push({ g: gm, p: lo.p ? plane(prod, pi++, W) : null });
    }
    if (nodes.length % 2) next.push(nodes[nodes.length - 1]);
    nodes = next;
  }
  return nodes[0].g;
}

/** Shared sign bits of x (1 where x, read as a signed 64-bit integer, is negative). */
export function msb(p: Party, x: AShare): Promise<BitShare> {
  return scoped(p, 'msb', async () => {
    const n = x.s0.length;
    const W = Math.ceil(n / 64);
    const { a, b } = await splitSum(p, x, 'msb/input');
    const A = planes(p, a, n);
    const B = planes(p, b, n);
    const c = await carry63(p, A, B, W);
    const out = { s0: new BigUint64Array(W), s1: new BigUint64Array(W) };
    xorInto(p, out, plane(A, 63, W), plane(B, 63, W));
    xorInto(p, out, out, c);
    return bitShare(n, out.s0, out.s1);
  });
}

export const msbCost = (n: number): OpCost => {
  const { planes: andPlanes, levels } = msbAndPlanes();
  return { rounds: 2 + levels, bytesTotal: 8 * n + 3 * 8 * andPlanes * Math.ceil(n / 64) };
};
