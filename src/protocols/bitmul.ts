/**
 * Bit × arithmetic (mulA1B), mux and single-bit b2a, 2 rounds (mulA1BAdditive: 1 round, 3-of-3 output), by two 3-party OTs (ABY3's
 * sender/receiver/helper OT). Party i holds (x_i, x_{i+1}) and (b_i, b_{i+1}); seed s_i is
 * shared by P_i and P_{i+1} (s0: P0,P1; s1: P1,P2; s2: P2,P0).
 *
 *   b·x = b·(x_0 + x_1) + b·x_2, b = b_0 ⊕ b_1 ⊕ b_2.
 *   OT1: sender P0 knows u = x_0 + x_1 and β = b_0 ⊕ b_1; the choice b_2 is known to P1
 *        (receiver) and P2 (helper). P1 learns M1 = b·u − ρ1.
 *   OT2: sender P1 knows x_2 and β' = b_1 ⊕ b_2; the choice b_0 is known to P2 (receiver) and P0
 *        (helper). P2 learns M2 = b·x_2 − ρ2.
 *   round 2: the four additive pieces are re-randomised into a replicated sharing
 *        y_0 = ρ1 + τ (P0, P2), y_1 = M1 + ρ2 + σ (P1 → P0), y_2 = M2 − τ − σ (P2 → P1).
 *
 * Who masks what (every received message is masked by randomness the receiver lacks):
 *   P1 ← P0  OT1 pair e_j = (j⊕β)·u − ρ1 + w_j: w_j, ρ1 from s2 (P2,P0), unknown to P1;
 *            P1 unmasks one of them with w_{b_2} and is left with M1, still masked by ρ1.
 *   P1 ← P2  helper message w_{b_2}: w_j from s2, unknown to P1 (uniform).
 *   P2 ← P1  OT2 pair e'_j = (j⊕β')·x_2 − ρ2 + v_j: v_j, ρ2 from s0 (P0,P1), unknown to P2;
 *            M2 stays masked by ρ2.
 *   P2 ← P0  helper message v_{b_0}: v_j from s0, unknown to P2 (uniform).
 *   P0 ← P1  y_1 = M1 + ρ2 + σ: σ from s1 (P1,P2), unknown to P0 (P0 knows u, ρ1 and ρ2).
 *   P1 ← P2  y_2 = M2 − τ − σ: τ from s2, unknown to P1 (P1 knows x_2, ρ2 and σ).
 *
 * Until the fix of issue 9, ρ2 came from s1, a seed P2 holds: P2 added it back to M2 and read
 * b·x_2, hence b wherever x_2 ≠ 0. Drawing ρ2 from s0 (the OT2 sender's seed with the helper)
 * closes that; P0 draws ρ2 only to keep s0 in lock-step. Costs are unchanged.
 *
 * mulA1BAdditive is round 1 alone (1 round, 6 words per element): its output is the 3-of-3
 * ADDITIVE sharing z_0 = ρ1 + ρ2 (P0), z_1 = M1 (P1), z_2 = M2 (P2) of b·x, for a caller that
 * sums it into a fixed-point product and truncates it (truncAdditive), which saves round 2. Those
 * shares are NOT independent of the other parties' seeds — P2 holds ρ1 (s2), so z_1 would give
 * it b·u; P1 holds ρ2 (s0), so z_0 or z_2 would give it b·u or b·x_2 — and truncAdditive sends
 * the dealer's share in the clear to both evaluators. So a caller must add a fresh zero-sharing
 * (α_i = F(s_i) − F(s_{i−1}), unknown to each receiver: Acc.done() in src/approx/fused-products.ts)
 * before any share leaves its party; the truncation then re-masks everything it opens.
 */
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import { subAA, addAA } from './arith.js';
import { publicShare } from './io.js';
import type { AShare, BitShare } from './share.js';
import { aShare } from './share.js';

/** Unpacked bits as ring elements 0/1. */
function bitsOf(w: BigUint64Array, n: number): Uint8Array {
  const w32 = new Uint32Array(w.buffer, w.byteOffset, 2 * w.length);
  const out = new Uint8Array(n);
  for (let e = 0; e < n; e++) out[e] = (w32[e >>> 5] >>> (e & 31)) & 1;
  return out;
}

function xorBitsLocal(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let e = 0; e < a.length; e++) out[e] = a[e] ^ b[e];
  return out;
}

/** OT sender messages e_j = (j ⊕ β)·u − ρ + w_j, j ∈ {0, 1}, packed as [e_0 | e_1]. */
function senderMessages(p: Party, u: BigUint64Array, beta: Uint8Array, rho: BigUint64Array, w0: BigUint64Array, w1: BigUint64Array): BigUint64Array {
  const n = u.length;
  const out = new BigUint64Array(2 * n);
  const e0 = out.subarray(0, n);
  const e1 = out.subarray(n);
  for (let e = 0; e < n; e++) {
    if (beta[e]) e0[e] = u[e];
    else e1[e] = u[e];
  }
  p.k.sub(e0, e0, rho);
  p.k.sub(e1, e1, rho);
  p.k.add(e0, e0, w0);
  p.k.add(e1, e1, w1);
  return out;
}

function choose(c: Uint8Array, w0: BigUint64Array, w1: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(c.length);
  for (let e = 0; e < c.length; e++) out[e] = c[e] ? w1[e] : w0[e];
  return out;
}

/** b·x for a shared bit per element of x. */
export function mulA1B(p: Party, b: BitShare, x: AShare): Promise<AShare> {
  return scoped(p, 'mulA1B', async () => {
    const n = x.s0.length;
    if (b.n !== n) throw new RangeError(`mulA1B: ${b.n} bits for ${n} elements`);
    const { k, comm, prss } = p;
    const bs0 = bitsOf(b.s0, n);
    const bs1 = bitsOf(b.s1, n);
    if (p.id === 0) {
      // s2 = prev: ρ1, τ, w0, w1 ; s0 = next: v0, v1, ρ2 (ρ2 unused here: lock-step with P1)
      const rho1 = prss.prev.ring(n);
      const tau = prss.prev.ring(n);
      const w0 = prss.prev.ring(n);
      const w1 = prss.prev.ring(n);
      const v0 = prss.next.ring(n);
      const v1 = prss.next.ring(n);
      prss.next.skip(8 * n);
      const u = new BigUint64Array(n);
      k.add(u, x.s0, x.s1);
      comm.sendU64(1, 'mulA1B/ot', senderMessages(p, u, xorBitsLocal(bs0, bs1), rho1, w0, w1));
      comm.sendU64(2, 'mulA1B/help', choose(bs0, v0, v1)); // helper of OT2, choice b_0
      const y0 = new BigUint64Array(n);
      k.add(y0, rho1, tau);
      const y1 = await comm.recvU64(1, 'mulA1B/y', n);
      return aShare(x.shape, y0, y1);
    }
    if (p.id === 1) {
      // s0 = prev: v0, v1, ρ2 ; s1 = next: σ
      const v0 = prss.prev.ring(n);
      const v1 = prss.prev.ring(n);
      const rho2 = prss.prev.ring(n);
      const sigma = prss.next.ring(n);
      comm.sendU64(2, 'mulA1B/ot', senderMessages(p, x.s1, xorBitsLocal(bs0, bs1), rho2, v0, v1));
      const e = await comm.recvU64(0, 'mulA1B/ot', 2 * n);
      const w = await comm.recvU64(2, 'mulA1B/help', n);
      const c = bs1; // b_2
      const m1 = choose(c, e.subarray(0, n), e.subarray(n));
      k.sub(m1, m1, w);
      const y1 = new BigUint64Array(n);
      k.add(y1, m1, rho2);
      k.add(y1, y1, sigma);
      comm.sendU64(0, 'mulA1B/y', y1);
      const y2 = await comm.recvU64(2, 'mulA1B/y', n);
      return aShare(x.shape, y1, y2);
    }
    // P2: s1 = prev: σ ; s2 = next: ρ1, τ, w0, w1
    const sigma = prss.prev.ring(n);
    const rho1 = prss.next.ring(n);
    const tau = prss.next.ring(n);
    const w0 = prss.next.ring(n);
    const w1 = prss.next.ring(n);
    comm.sendU64(1, 'mulA1B/help', choose(bs0, w0, w1)); // helper of OT1, choice b_2
    const e = await comm.recvU64(1, 'mulA1B/ot', 2 * n);
    const v = await comm.recvU64(0, 'mulA1B/help', n);
    const m2 = choose(bs1, e.subarray(0, n), e.subarray(n)); // choice b_0
    k.sub(m2, m2, v);
    const y2 = new BigUint64Array(n);
    k.sub(y2, m2, tau);
    k.sub(y2, y2, sigma);
    comm.sendU64(1, 'mulA1B/y', y2);
    const y0 = new BigUint64Array(n);
    k.add(y0, rho1, tau);
    return aShare(x.shape, y2, y0);
  });
}
export const mulA1BCost = (n: number): OpCost => ({ rounds: 2, bytesTotal: 8 * 8 * n });

/**
 * b·x as a 3-of-3 additive sharing (party i returns z_i, Σ z_i = b·x): mulA1B's two OTs without
 * the re-randomising round (see the file comment: the caller must add a zero-sharing before
 * a share leaves its party). Messages and their masks are those of mulA1B's round 1:
 *   P1 ← P0  e_j = (j⊕β)·u − ρ1 + w_j, w_j and ρ1 from s2 (P2,P0): uniform to P1;
 *   P1 ← P2  w_{b_2}, from s2: uniform to P1; P1 keeps M1 = b·u − ρ1, masked by ρ1;
 *   P2 ← P1  e'_j = (j⊕β')·x_2 − ρ2 + v_j, v_j and ρ2 from s0 (P0,P1): uniform to P2;
 *   P2 ← P0  v_{b_0}, from s0: uniform to P2; P2 keeps M2 = b·x_2 − ρ2, masked by ρ2;
 *   P0 receives nothing and keeps ρ1 + ρ2.
 * PRSS draws (lock-step per seed): s2 (P0 prev, P2 next): ρ1, w0, w1; s0 (P0 next, P1 prev):
 * v0, v1, ρ2; s1 is not used.
 */
export function mulA1BAdditive(p: Party, b: BitShare, x: AShare): Promise<BigUint64Array> {
  return scoped(p, 'mulA1BAdditive', async () => {
    const n = x.s0.length;
    if (b.n !== n) throw new RangeError(`mulA1BAdditive: ${b.n} bits for ${n} elements`);
    const { k, comm, prss } = p;
    const bs0 = bitsOf(b.s0, n);
    const bs1 = bitsOf(b.s1, n);
    if (p.id === 0) {
      const rho1 = prss.prev.ring(n);
      const w0 = prss.prev.ring(n);
      const w1 = prss.prev.ring(n);
      const v0 = prss.next.ring(n);
      const v1 = prss.next.ring(n);
      const rho2 = prss.next.ring(n);
      const u = new BigUint64Array(n);
      k.add(u, x.s0, x.s1);
      comm.sendU64(1, 'mulA1BAdd/ot', senderMessages(p, u, xorBitsLocal(bs0, bs1), rho1, w0, w1));
      comm.sendU64(2, 'mulA1BAdd/help', choose(bs0, v0, v1)); // helper of OT2, choice b_0
      k.add(rho1, rho1, rho2);
      return rho1;
    }
    if (p.id === 1) {
      const v0 = prss.prev.ring(n);
      const v1 = prss.prev.ring(n);
      const rho2 = prss.prev.ring(n);
      comm.sendU64(2, 'mulA1BAdd/ot', senderMessages(p, x.s1, xorBitsLocal(bs0, bs1), rho2, v0, v1));
      const e = await comm.recvU64(0, 'mulA1BAdd/ot', 2 * n);
      const w = await comm.recvU64(2, 'mulA1BAdd/help', n);
      const m1 = choose(bs1, e.subarray(0, n), e.subarray(n)); // choice b_2
      k.sub(m1, m1, w);
      return m1;
    }
    prss.next.skip(8 * n); // ρ1: P2 does not use it (s2 in lock-step with P0)
    const w0 = prss.next.ring(n);
    const w1 = prss.next.ring(n);
    comm.sendU64(1, 'mulA1BAdd/help', choose(bs0, w0, w1)); // helper of OT1, choice b_2
    const e = await comm.recvU64(1, 'mulA1BAdd/ot', 2 * n);
    const v = await comm.recvU64(0, 'mulA1BAdd/help', n);
    const m2 = choose(bs1, e.subarray(0, n), e.subarray(n)); // choice b_0
    k.sub(m2, m2, v);
    return m2;
  });
}
export const mulA1BAdditiveCost = (n: number): OpCost => ({ rounds: 1, bytesTotal: 6 * 8 * n });

/** b ? x : y, elementwise. */
export async function mux(p: Party, b: BitShare, x: AShare, y: AShare): Promise<AShare> {
  return scoped(p, 'mux', async () => addAA(p, y, await mulA1B(p, b, subAA(p, x, y))));
}

/** Single bits as arithmetic 0/1 values. */
export function b2a(p: Party, b: BitShare): Promise<AShare> {
  return scoped(p, 'b2a', () => mulA1B(p, b, publicShare(p, new BigUint64Array(b.n).fill(1n), [b.n])));
}
