/**
 * Bit × arithmetic where the bit is still P1/P2's 2-of-2 XOR sharing (msbPair's sign bits, the
 * row max's winner bits from the dealt AND tree): c = c¹ ⊕ c² times a replicated x, WITHOUT
 * first turning c into a replicated bit (pairToReplicated, 1 round) for mulA1B (2 rounds).
 * The dealer P0 supplies a random bit r whose products with x it can form itself, so the only
 * data-dependent exchange after c is the masked bit e = c ⊕ r.
 *
 *   dealer   r = r¹ ⊕ r² (r¹ from seed(P0,P1), r² from seed(P0,P2)); R¹ from seed(P0,P1) and
 *            R² = r − R¹ (ring), sent P0 → P2 as offline material (masked by R¹, which P2 lacks).
 *            R¹ + R² = r as a ring element.
 *   x-only   r·x = (R¹ + R²)(x₀ + x₁ + x₂): P1 forms R¹·(x₁ + x₂), P2 forms R²·(x₂ + x₀); the cross
 *            terms Q = R¹·x₀ + R²·x₁ only P0 can form. P0 sends P2 Q − m (masked by m from
 *            seed(P0,P1), which P2 lacks; P1 adds m). This message depends on x but not on c, so
 *            P0 sends it as soon as it holds x, ahead of the bits (it never waits here).
 *   round 1  P1 sends P2 e¹ = c¹ ⊕ r¹ (masked by r¹: seed(P0,P1), unknown to P2); P2 sends P1
 *            e² = c² ⊕ r² (masked by r²: seed(P0,P2), unknown to P1). Both know e = c ⊕ r, a
 *            uniform bit independent of c for each of them (each lacks one half of r).
 *   local    c = e ⊕ r = e + r − 2er, so c·x = e·x + (1 − 2e)·r·x:
 *              P1: Y¹ = e·(x₁ + x₂) + (1 − 2e)·(R¹·(x₁ + x₂) + m)
 *              P2: Y² = e·x₀       + (1 − 2e)·(R²·(x₂ + x₀) + Q − m)
 *            Y¹ + Y² = c·x: a 2-of-2 additive sharing of P1 and P2 (P0 holds 0)      1 round
 *   round 2  (mulA1BPair only) to replicated y₀ = ρ, y₁ = Y¹ + α, y₂ = Y² − ρ − α, with ρ from
 *            seed(P2,P0) and α from seed(P1,P2): P1 sends P0 y₁ (masked by α, unknown to P0),
 *            P2 sends P1 y₂ (masked by ρ, unknown to P1).                            2 rounds
 *
 * What each party receives: P2 gets R² (uniform: R¹ unknown), Q − m (uniform: m unknown) and e¹
 * (uniform: r¹ unknown), three independent draws of seed(P0,P1); P1 gets e² and y₂; P0 gets y₁.
 * The additive output (mulA1BPairAdditive) is correlated with P0's seeds (P0 knows R¹ and m), so,
 * as for mulA1BAdditive, a caller adds a fresh zero-sharing before any share leaves its party.
 *
 * Several x of the same length take one bit vector: one e exchange, one dealt R², one Q per x.
 * Against pairToReplicated + mulA1B (3 rounds, 16 B per 64 bits + 64 B per element): 2 rounds,
 * 16 B per 64 bits + 24 B per element online, 8 B per bit offline.
 */
import type { OpCost, Party } from './context.js';
import { addCosts, scoped } from './context.js';
import type { AShare } from './share.js';
import { aShare, words } from './share.js';
import { pairB2A, pairB2ACost, unpackBits } from './pair-b2a.js';

/** The 2-of-2 additive product: P1's Y¹ or P2's Y² per x (P0: zeros); 1 round after the bits. */
async function pairProducts(p: Party, c: BigUint64Array | null, n: number, xs: readonly AShare[], tag: string): Promise<BigUint64Array[]> {
  for (const x of xs) if (x.s0.length !== n) throw new RangeError(`${tag}: every x needs ${n} elements, got ${x.s0.length}`);
  const W = words(n);
  const { k, prss, comm } = p;
  if (p.id === 0) {
    const r1 = unpackBits(k, prss.next.ring(W), 1, n); // r¹, seed(P0,P1), as ring 0/1
    const R1 = prss.next.ring(n); // seed(P0,P1)
    const r2 = unpackBits(k, prss.prev.ring(W), 1, n); // r², seed(P0,P2)
    // R² = r − R¹ with r = r¹ ⊕ r² = r¹ + r² − 2·r¹r² on 0/1 values
    const R2 = new BigUint64Array(n);
    const both = new BigUint64Array(n);
    k.mul(both, r1, r2);
    k.shl(both, both, 1);
    k.add(R2, r1, r2);
    k.sub(R2, R2, both);
    k.sub(R2, R2, R1);
    comm.sendU64Offline(2, `${tag}/deal`, R2);
    const q = new BigUint64Array(xs.length * n);
    const t = new BigUint64Array(n);
    xs.forEach((x, j) => {
      const qj = q.subarray(j * n, (j + 1) * n);
      k.mul(qj, R1, x.s0); // R¹·x₀
      k.mul(t, R2, x.s1); // R²·x₁
      k.add(qj, qj, t);
      k.sub(qj, qj, prss.next.ring(n)); // − m, m from seed(P0,P1)
    });
    comm.sendU64(2, `${tag}/q`, q);
    return xs.map(() => new BigUint64Array(n));
  }
  if (!c || c.length !== W) throw new RangeError(`${tag}: evaluator needs its half of the ${n} bits as ${W} words`);
  const isP1 = p.id === 1;
  const rMine = isP1 ? prss.prev.ring(W) : prss.next.ring(W); // P1: r¹ (seed P0,P1); P2: r² (seed P2,P0)
  const eMine = new BigUint64Array(W);
  k.xor(eMine, c, rMine);
  const other = isP1 ? 2 : 1;
  comm.sendU64(other, `${tag}/e`, eMine);
  // P1's R¹ and m come from seed(P0,P1) in P0's order: r¹, R¹, then m per x
  const R = isP1 ? prss.prev.ring(n) : await comm.recvU64Offline(0, `${tag}/deal`, n);
  const ms = isP1 ? xs.map(() => prss.prev.ring(n)) : null;
  const q = isP1 ? null : await comm.recvU64(0, `${tag}/q`, xs.length * n);
  const eOther = await comm.recvU64(other, `${tag}/e`, W);
  k.xor(eOther, eOther, eMine);
  const e = unpackBits(k, eOther, 1, n);
  const s = new BigUint64Array(n); // 1 − 2e
  k.shl(s, e, 1);
  k.neg(s, s);
  k.addScalar(s, s, 1n);
  const u = new BigUint64Array(n);
  return xs.map((x, j) => {
    // P1: u = x₁ + x₂ (its s0 + s1), T = R¹·u + m, Y = e·u + s·T
    // P2: u = x₂ + x₀ (its s0 + s1), T = R²·u + Q − m, Y = e·x₀ + s·T
    k.add(u, x.s0, x.s1);
    const y = new BigUint64Array(n);
    k.mul(y, R, u);
    k.add(y, y, isP1 ? (ms as BigUint64Array[])[j] : (q as BigUint64Array).subarray(j * n, (j + 1) * n));
    k.mul(y, y, s);
    k.mul(u, e, isP1 ? u : x.s1);
    k.add(y, y, u);
    return y;
  });
}

/**
 * c·x for each x as a 3-of-3 ADDITIVE sharing (P0: zeros, P1: Y¹, P2: Y²), 1 round after the
 * bits. `c`: P1's or P2's packed half of n bits ([⌈n/64⌉] words), null at P0. The shares are
 * correlated with P0's seeds: add a fresh zero-sharing before any of them leaves its party.
 */
export function mulA1BPairAdditive(p: Party, c: BigUint64Array | null, n: number, xs: readonly AShare[], tag = 'mulA1BPair'): Promise<BigUint64Array[]> {
  return scoped(p, 'mulA1BPair', () => pairProducts(p, c, n, xs, tag));
}

/** c·x for each x as a replicated sharing, 2 rounds after the bits (see the file comment). */
export function mulA1BPair(p: Party, c: BigUint64Array | null, n: number, xs: readonly AShare[], tag = 'mulA1BPair'): Promise<AShare[]> {
  return scoped(p, 'mulA1BPair', async () => {
    const ys = await pairProducts(p, c, n, xs, tag);
    const N = xs.length * n;
    let Y: BigUint64Array | null = null;
    if (p.id !== 0) {
      const all = new BigUint64Array(N);
      ys.forEach((y, j) => all.set(y, j * n));
      Y = all;
    }
    const r = await pairAdditiveToReplicated(p, Y, N, `${tag}/y`);
    return xs.map((x, j) => aShare(x.shape, r.s0.slice(j * n, (j + 1) * n), r.s1.slice(j * n, (j + 1) * n)));
  });
}

/**
 * A 2-of-2 ADDITIVE sharing Y = Y¹ + Y² of P1 and P2 ([N] each; P0: null) → replicated, 1 round:
 * y₀ = ρ (seed(P2,P0)), y₁ = Y¹ + α, y₂ = Y² − ρ − α (α from seed(P1,P2)). P1 sends P0 y₁ (masked
 * by α, unknown to P0); P2 sends P1 y₂ (masked by ρ, unknown to P1). 16 B per element.
 */
export async function pairAdditiveToReplicated(p: Party, Y: BigUint64Array | null, N: number, tag: string): Promise<{ s0: BigUint64Array; s1: BigUint64Array }> {
  const { k, prss, comm } = p;
  if (p.id === 0) {
    const rho = prss.prev.ring(N); // y₀ = ρ, seed(P2,P0)
    return { s0: rho, s1: await comm.recvU64(1, tag, N) }; // y₁ = Y¹ + α
  }
  if (!Y || Y.length !== N) throw new RangeError(`${tag}: evaluator needs its ${N} additive shares`);
  if (p.id === 1) {
    const y1 = new BigUint64Array(N);
    k.add(y1, Y, prss.next.ring(N)); // α from seed(P1,P2)
    comm.sendU64(0, tag, y1);
    return { s0: y1, s1: await comm.recvU64(2, tag, N) };
  }
  const rho = prss.next.ring(N); // seed(P2,P0)
  const y2 = new BigUint64Array(N);
  k.sub(y2, Y, rho);
  k.sub(y2, y2, prss.prev.ring(N)); // − α, seed(P1,P2)
  comm.sendU64(1, tag, y2);
  return { s0: y2, s1: rho };
}

export const pairAdditiveToReplicatedCost = (N: number): OpCost => ({ rounds: 1, bytesTotal: 16 * N });

/**
 * b2a of n bits held as P1/P2's XOR halves (packed; P0: null) → replicated ring 0/1, 2 rounds:
 * pairB2A (P0-dealt, 1 round: the two masked bit planes online, 8 B per bit offline) and the
 * reshare above. Against pairToReplicated + b2a (mulA1B): 2 rounds instead of 3, 16 B per bit
 * instead of 64.
 */
export function b2aPair(p: Party, c: BigUint64Array | null, n: number, tag = 'b2aPair'): Promise<AShare> {
  return scoped(p, 'b2aPair', async () => {
    const Y = await pairB2A(p, c, 1, n, `${tag}/b2a`);
    const r = await pairAdditiveToReplicated(p, Y, n, `${tag}/y`);
    return aShare([n], r.s0, r.s1);
  });
}

export const b2aPairCost = (n: number): OpCost => addCosts(pairB2ACost(1, n), pairAdditiveToReplicatedCost(n));

/** mulA1BPairAdditive on `count` vectors of n elements sharing one bit vector of n bits. */
export const mulA1BPairAdditiveCost = (n: number, count = 1): OpCost => ({ rounds: 1, bytesTotal: 2 * 8 * words(n) + 8 * count * n, offlineBytesTotal: 8 * n });

/** mulA1BPair: mulA1BPairAdditive and the reshare (16 B per element). */
export const mulA1BPairCost = (n: number, count = 1): OpCost => ({ rounds: 2, bytesTotal: 2 * 8 * words(n) + 24 * count * n, offlineBytesTotal: 8 * n });
