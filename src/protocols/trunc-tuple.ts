/**
 * Truncation tuples for the 1-round truncation (trunc-round1.ts): per element, replicated
 * arithmetic shares of
 *   r  uniform in Z_2^64, known to no single party;
 *   R  = (r mod 2^63) >> d, exact or low by 1;
 *   M  = 2^(63−d)·m, m = msb(r) ∈ {0, 1} (the only use of m is 2^(63−d)·m, so m's shares are
 *      made mod 2^(d+1) only: cheaper on the wire for d ≤ 31, see narrow.ts).
 * This is the tuple of the "positive msb" probabilistic truncation of Dalskov, Escudero and
 * Keller (USENIX Security 2021), made jointly instead of by a dealer, with the carry split as in
 * the edaBits of Escudero et al. (CRYPTO 2020): r is the sum of two addends each known in full to
 * one side, and the only nonlinear step is the carry into bit 63, one msb on a 2-of-2 input.
 * Tuple generation is DATA-INDEPENDENT: it runs in an offline context (Party.offline), every
 * frame is offline, and it never adds online rounds (see Meter for what offline means here).
 *
 *   r    = the PRSS random value (r_0, r_1, r_2): free. a = r_0 + r_1 is known in full to P0,
 *          b = r_2 to P1 and P2 (msb.ts's SignInput split); nobody knows both.
 *   j    = carry of a' + b' into bit 63 (a' = a mod 2^63, b' = b mod 2^63) = msb(a' + b'), by
 *          msbPairOf on the addends (a', b'): a 2-of-2 XOR sharing j1 ⊕ j2 of P1 and P2.
 *          4 rounds: msb.ts.
 *   m    = msb(a) ⊕ msb(b) ⊕ j. P0 sends P2 msb(a) ⊕ e0 (e0 from seed(P0,P1): P2 lacks it);
 *          then m = m1 ⊕ m2 with m1 = j1 ⊕ msb(b) ⊕ e0 (P1) and m2 = j2 ⊕ msb(a) ⊕ e0 (P2).
 *   b2a  j and m to 2-of-2 additive shares J_i, M_i of P1 and P2, mod 2^w (w = 32 for d ≤ 31,
 *          else 64; enough because both are used times 2^(63−d)): pairB2A (P0 deals), 1 round.
 *   R    = (a' >> d) + (b' >> d) − 2^(63−d)·j: a' + b' − 2^63·j = r mod 2^63 exactly, and
 *          dropping the carry at bit d of the two addends' low bits makes R low by at most 1.
 *   out  1 round: replicated shares with components (c0, c1, c2), c_i held by P_i and P_{i−1};
 *          S = 2^(63−d); P1 sends P2 (κ1 − J1, M1 − ρ1') and P2 sends P1 (κ2 − J2, M2 − ρ0'),
 *          at w bits, each masked by a value from the sender's seed with P0 (κ1, ρ1' from
 *          seed(P0,P1): P2 lacks it; κ2, ρ0' from seed(P0,P2): P1 lacks it), so that
 *          R: c0 = ρ0 (seed(P0,P2)), c1 = a'>>d − ρ0 − S·(κ1 + κ2) (P0 → P1: masked by ρ0,
 *             which P1 lacks), c2 = b'>>d + S·((κ1 − J1) + (κ2 − J2));
 *          M: c0 = S·ρ0', c1 = S·ρ1', c2 = S·((M1 − ρ1') + (M2 − ρ0')).
 *          P1's received words combine to a'>>d − ρ0 − S·(κ1 + J2) at most: still masked by ρ0.
 * P0 receives nothing at all; P1 and P2 see msb's masked input and openings (msb.ts), uniform
 * bits masked by P0's seeds (pairB2A and msb(a) ⊕ e0) and the masked reshares above.
 *
 * Cost per call of n elements (W = ⌈n/64⌉, w as above): 6 offline rounds (msb 4, b2a 1,
 * reshare 1), 0 online; offline bytes = msbPair's online + offline bytes, + 8·W (msb(a) ⊕ e0),
 * + b2a of two planes (2·16·W + δ: 2n values at w bits), + 8·n (P0's c1 of R) + the reshare
 * (2 × 2n values at w bits): for n a multiple of 64, ≈ 129.5 B per element at d ≤ 31 (153.5
 * at d ≥ 32), of which msb ≈ 97. Against two b2a by mulA1B (64 B each) after msb, the saving is
 * pairB2A's one dealt word per bit and the narrow words.
 */
import type { OpCost, Party } from './context.js';
import { msbPairCost, msbPairOf } from './msb.js';
import { pairB2A, pairB2ACost } from './pair-b2a.js';
import { words } from './share.js';
import { narrowWords, packNarrow, unpackNarrow, type Width } from './narrow.js';

const MASK63 = (1n << 63n) - 1n;

/** This party's replicated components (s0 = c_i, s1 = c_{i+1}) of one tuple vector. */
export interface TuplePair {
  readonly s0: BigUint64Array;
  readonly s1: BigUint64Array;
}

export interface TruncTuple {
  readonly n: number;
  readonly bits: number;
  readonly r: TuplePair;
  /** (r mod 2^63) >> bits, or one less. */
  readonly R: TuplePair;
  /** 2^(63−bits)·msb(r). */
  readonly M: TuplePair;
}

/** Tuples for one truncation of n elements by `bits`, being made (or made). */
export interface PendingTuple {
  readonly n: number;
  readonly bits: number;
  readonly tuple: Promise<TruncTuple>;
}

/** What a context will truncate, in order: [elements, bits] per truncation. */
export type TuplePlan = readonly (readonly [number, number])[];

/** Offline rounds of one tuple generation: msb (4) + pairB2A (1) + reshare (1). */
export const TRUNC_TUPLE_OFFLINE_ROUNDS = 6;

/** Bits on the wire for the shares of j and m (used times 2^(63−d) only). */
const widthFor = (bits: number): Width => (bits + 1 <= 32 ? 32 : 64);

/** Plane 63 of w (the msb of every element), packed [W]. */
function msbPlane(p: Party, w: BigUint64Array, n: number): BigUint64Array {
  const W = words(n);
  const planes = new BigUint64Array(64 * W);
  p.k.bitPlanes(planes, w, n);
  return planes.slice(63 * W, 64 * W);
}

/**
 * Make n tuples for truncation by `bits`. `q` must be an offline context (Party.offline): every
 * frame here is data-independent. All three parties call it with the same n and bits.
 */
export async function truncTuple(q: Party, n: number, bits: number): Promise<TruncTuple> {
  const { k, prss, comm } = q;
  const W = words(n);
  const sh = 63 - bits;
  const [r0, r1] = prss.random(n); // party i: (r_i, r_{i+1}) = (F(s_{i−1}), F(s_i))
  const r = { s0: r0, s1: r1 };
  // the addends: a = r_0 + r_1 at P0, b = r_2 at P1 (its s1) and P2 (its s0)
  let mine: BigUint64Array;
  if (q.id === 0) {
    mine = new BigUint64Array(n);
    k.add(mine, r0, r1);
  } else mine = q.id === 1 ? r1 : r0;
  const low = new BigUint64Array(n);
  k.andScalar(low, mine, MASK63);
  const j = await msbPairOf(q, q.id === 0 ? { n, a: low, b: null } : { n, a: null, b: low });
  const top = msbPlane(q, mine, n); // msb(a) at P0, msb(b) at P1 and P2
  const lowShr = new BigUint64Array(n);
  k.shrLogical(lowShr, low, bits); // a' >> d at P0, b' >> d at P1 and P2

  const w = widthFor(bits);
  const scaled = (v: BigUint64Array): BigUint64Array => {
    k.shl(v, v, sh);
    return v;
  };
  if (q.id === 0) {
    const e0 = prss.next.ring(W); // seed(P0,P1)
    k.xor(e0, e0, top);
    comm.sendU64(2, 'tuple/msbA', e0); // msb(a) ⊕ e0: e0 unknown to P2
    await pairB2A(q, null, 2, n, 'tuple/b2a', w);
    const kappa1 = prss.next.ring(n); // seed(P0,P1)
    const rho1m = prss.next.ring(n);
    const rho0 = prss.prev.ring(n); // seed(P0,P2)
    const kappa2 = prss.prev.ring(n);
    const rho0m = prss.prev.ring(n);
    const c1 = new BigUint64Array(n);
    k.add(kappa1, kappa1, kappa2);
    scaled(kappa1); // S·(κ1 + κ2)
    k.sub(c1, lowShr, rho0);
    k.sub(c1, c1, kappa1);
    comm.sendU64(1, 'tuple/R0', c1); // masked by ρ0 (seed(P0,P2)), which P1 lacks
    return { n, bits, r, R: { s0: rho0, s1: c1 }, M: { s0: scaled(rho0m), s1: scaled(rho1m) } };
  }

  const isP1 = q.id === 1;
  const jw = j as BigUint64Array;
  const mw = new BigUint64Array(W);
  if (isP1) {
    const e0 = prss.prev.ring(W); // seed(P0,P1)
    k.xor(mw, jw, top);
    k.xor(mw, mw, e0); // m1 = j1 ⊕ msb(b) ⊕ e0
  } else {
    const masked = await comm.recvU64(0, 'tuple/msbA', W);
    k.xor(mw, jw, masked); // m2 = j2 ⊕ msb(a) ⊕ e0
  }
  const x = new BigUint64Array(2 * W);
  x.set(jw, 0);
  x.set(mw, W);
  const add = (await pairB2A(q, x, 2, n, 'tuple/b2a', w)) as BigUint64Array; // [J_i | M_i] mod 2^w
  // PRSS in P0's order: seed(P0,P1): κ1, ρ1'; seed(P0,P2): ρ0, κ2, ρ0'
  const rho0 = isP1 ? null : prss.next.ring(n); // P2's c0 of R
  const kappa = isP1 ? prss.prev.ring(n) : prss.next.ring(n); // P1: κ1, P2: κ2
  const rhoM = isP1 ? prss.prev.ring(n) : prss.next.ring(n); // P1: ρ1' (its c1 of M / S), P2: ρ0' (its c0 of M / S)
  const out = new BigUint64Array(2 * n);
  k.sub(out.subarray(0, n), kappa, add.subarray(0, n)); // κ_i − J_i
  k.sub(out.subarray(n), add.subarray(n), rhoM); // P1: M1 − ρ1', P2: M2 − ρ0'
  const other = isP1 ? 2 : 1;
  comm.sendU64(other, 'tuple/reshare', packNarrow(out, w));
  const theirs = unpackNarrow(await comm.recvU64(other, 'tuple/reshare', narrowWords(2 * n, w)), 2 * n, w);
  k.add(out, out, theirs);
  scaled(out); // [S·(κ1 − J1 + κ2 − J2) | S·(M1 − ρ1' + M2 − ρ0')]
  const c2R = out.slice(0, n);
  k.add(c2R, c2R, lowShr); // + b' >> d
  const c2M = out.subarray(n);
  scaled(rhoM);
  if (!isP1) return { n, bits, r, R: { s0: c2R, s1: rho0 as BigUint64Array }, M: { s0: c2M, s1: rhoM } };
  const c1 = await comm.recvU64(0, 'tuple/R0', n);
  return { n, bits, r, R: { s0: c1, s1: c2R }, M: { s0: rhoM, s1: c2M } };
}

/** One generation of n tuples: offline bytes only (the rounds are TRUNC_TUPLE_OFFLINE_ROUNDS). */
export const truncTupleCost = (n: number, bits = 18): OpCost => {
  const msb = msbPairCost(n);
  const w = widthFor(bits);
  const b2a = pairB2ACost(2, n, w);
  const offline = msb.bytesTotal + (msb.offlineBytesTotal ?? 0) + 8 * words(n) + b2a.bytesTotal + (b2a.offlineBytesTotal ?? 0) + 8 * n + 2 * 8 * narrowWords(2 * n, w);
  return { rounds: 0, bytesTotal: 0, offlineBytesTotal: offline };
};
