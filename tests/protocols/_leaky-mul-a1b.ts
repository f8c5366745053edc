/**
 * PINNED OLD CODE, for tests only: mulA1B as it was before the fix of issue 9 (commit 2c02169).
 * Its OT2 mask ρ2 comes from s1 = seed(P1,P2), which P2 holds, so P2 reads b·x_2 from its own
 * view. The view-simulation suite must flag it (tests/protocols/views.test.ts); nothing in src/
 * may import this file.
 */
import type { Party } from '../../src/protocols/context.js';
import { scoped } from '../../src/protocols/context.js';
import type { AShare, BitShare } from '../../src/protocols/share.js';
import { aShare } from '../../src/protocols/share.js';

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
export function leakyMulA1B(p: Party, b: BitShare, x: AShare): Promise<AShare> {
  return scoped(p, 'mulA1B', async () => {
    const n = x.s0.length;
    if (b.n !== n) throw new RangeError(`mulA1B: ${b.n} bits for ${n} elements`);
    const { k, comm, prss } = p;
    const bs0 = bitsOf(b.s0, n);
    const bs1 = bitsOf(b.s1, n);
    if (p.id === 0) {
      // seed(P2,P0) = prev: ρ1, τ, w0, w1 ; seed(P0,P1) = next: w'0, w'1
      const rho1 = prss.prev.ring(n);
      const tau = prss.prev.ring(n);
      const w0 = prss.prev.ring(n);
      const w1 = prss.prev.ring(n);
      const v0 = prss.next.ring(n);
      const v1 = prss.next.ring(n);
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
      // seed(P0,P1) = prev: w'0, w'1 ; seed(P1,P2) = next: ρ2, σ
      const v0 = prss.prev.ring(n);
      const v1 = prss.prev.ring(n);
      const rho2 = prss.next.ring(n);
      const sigma = prss.next.ring(n);
      comm.sendU64(2, 'mulA1B/ot', senderMessages(p, x.s1, xorBitsLocal(bs0, bs1), rho2, v0, v1));
      const e = await comm.recvU64(0, 'mulA1B/ot', 2 * n);
      const w = await comm.recvU64(2, 'mulA1B/help', n);
      const c = bs1; // b_2
      const m1 = choose(c, e.subarray(0, n), e.subarray(n));
      k.sub(m1, m1, w);
      const y1 = new BigUint64Array(n);
      k.add(y1, m1, sigma);
      comm.sendU64(0, 'mulA1B/y', y1);
      const y2 = await comm.recvU64(2, 'mulA1B/y', n);
      return aShare(x.shape, y1, y2);
    }
    // P2: seed(P1,P2) = prev: ρ2, σ ; seed(P2,P0) = next: ρ1, τ, w0, w1
    const rho2 = prss.prev.ring(n);
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
    k.add(y2, m2, rho2);
    k.sub(y2, y2, tau);
    k.sub(y2, y2, sigma);
    comm.sendU64(1, 'mulA1B/y', y2);
    const y0 = new BigUint64Array(n);
    k.add(y0, rho1, tau);
    return aShare(x.shape, y2, y0);
  });
}
