/**
 * Probabilistic truncation x ↦ x / 2^d with a rotating dealer (2 rounds, ≤ 1 ulp error, no large
 * error for |x| < 2^62). The method is the "positive MSB" probabilistic truncation of Dalskov,
 * Escudero and Keller (USENIX Security 2021), run with a dealer as in SPU's ABY3 TruncAPr:
 *
 *   roles: dealer D, evaluators A = D+1 and B = D+2 (the dealer rotates every call: Party.nextDealer).
 *   round 1  c = x + 2^62 + r is opened to A and B (r = r_A + r_B, r_A from seed(A,D), r_B from
 *            seed(B,D)); D sends B the correction shares of r' = (r mod 2^63) >> d and r_msb
 *            (offline material: a function of D's seeds alone, Comm.sendU64Offline).
 *   local    y = c' − r' + 2^(63−d)·(c_msb ⊕ r_msb) − 2^(62−d)  as a 2-of-2 sharing of A and B
 *            (c' = (c mod 2^63) >> d; the XOR is linear because c_msb is public to A and B).
 *   round 2  A and B re-randomise y into a replicated sharing with seeds they share with D.
 *
 * The same core truncates a 3-of-3 additive sharing straight out of a local product (fMul), so
 * a fixed-point multiply costs 2 rounds instead of mul (1) + trunc (2).
 *
 * Range: x must lie in [−2^62, 2^62); beyond it the result is wrong (by 2^(64−d) with a
 * probability that grows with the excess). Checked mode (range-check.ts) records the free
 * sharing (c, −r_A, −r_B) of x + 2^62 at every call and later tests its msb.
 *
 * With p.truncRounds = 1 (withTruncRounds in context.ts) every entry point here runs the 1-round
 * truncation instead (trunc-round1.ts: c opened to all three parties against a jointly made
 * tuple, error {0, 1, 2} ulp); the cost functions take the mode as a second argument.
 */
import type { Shape } from '../ring/tensor.js';
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';
import type { Contribution } from './trunc-round1.js';
import { truncAdditiveRound1Cost, truncRound1, truncRound1Cost } from './trunc-round1.js';

const MSB_MASK = (1n << 63n) - 1n;

function truncCore(p: Party, input: Contribution, n: number, shape: Shape, bits: number, tag: string): Promise<AShare> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 62) throw new RangeError(`${tag}: truncation bits must be in [1, 62], got ${bits}`);
  return p.truncRounds === 1 ? truncRound1(p, input, n, shape, bits, tag) : truncDealer(p, input, n, shape, bits, tag);
}

async function truncDealer(p: Party, input: Contribution, n: number, shape: Shape, bits: number, tag: string): Promise<AShare> {
  const { k, comm, prss } = p;
  const dealer = p.nextDealer();
  const A = (dealer + 1) % 3;
  const B = (dealer + 2) % 3;
  const sh = BigInt(63 - bits);
  if (p.id === dealer) {
    // seed(D, A) is D's next seed; seed(B, D) is D's prev seed.
    const rA = prss.next.ring(n);
    const rB = prss.prev.ring(n);
    const r = new BigUint64Array(n);
    k.add(r, rA, rB);
    const rLow = new BigUint64Array(n);
    k.andScalar(rLow, r, MSB_MASK);
    k.shrLogical(rLow, rLow, bits); // r'
    const rMsb = new BigUint64Array(n);
    k.shrLogical(rMsb, r, 63);
    const rho1A = prss.next.ring(n);
    const rho2A = prss.next.ring(n);
    const corr = new BigUint64Array(2 * n);
    k.sub(corr.subarray(0, n), rLow, rho1A);
    k.sub(corr.subarray(n), rMsb, rho2A);
    if (input.kind === 'additive') {
      comm.sendU64(A as 0 | 1 | 2, `${tag}/zd`, input.z);
      comm.sendU64(B as 0 | 1 | 2, `${tag}/zd`, input.z);
    }
    comm.sendU64Offline(B as 0 | 1 | 2, `${tag}/corr`, corr); // a function of D's seeds alone: offline
    if (p.rangeCheck) {
      // checked mode: the dealer's components of the free sharing (c, −r_A, −r_B) of x + 2^62
      k.neg(rA, rA);
      k.neg(rB, rB);
      p.rangeCheck.recordTrunc(tag, rB, rA);
    }
    // Round 2 happens between A and B; the dealer's new shares come from the seeds.
    const yA = prss.next.ring(n);
    const yD = prss.prev.ring(n);
    return aShare(shape, yD, yA);
  }
  const isA = p.id === A;
  const other = (isA ? B : A) as 0 | 1 | 2;
  // A: seed with D is its prev seed; B: its next seed.
  const seedD = isA ? prss.prev : prss.next;
  const mask = seedD.ring(n);
  let rho1: BigUint64Array;
  let rho2: BigUint64Array;
  if (isA) {
    rho1 = seedD.ring(n);
    rho2 = seedD.ring(n);
  } else {
    rho1 = new BigUint64Array(0);
    rho2 = rho1;
  }
  // Own part of c.
  const mine = new BigUint64Array(n);
  if (input.kind === 'replicated') {
    if (isA) k.add(mine, input.x.s0, input.x.s1); // x_A + x_B
    else mine.set(input.x.s1); // x_D
  } else {
    mine.set(input.z);
  }
  k.add(mine, mine, mask);
  if (isA) k.addScalar(mine, mine, 1n << 62n);
  comm.sendU64(other, `${tag}/open`, mine);
  const theirs = await comm.recvU64(other, `${tag}/open`, n);
  const c = new BigUint64Array(n);
  k.add(c, mine, theirs);
  if (input.kind === 'additive') {
    const zd = await comm.recvU64(dealer as 0 | 1 | 2, `${tag}/zd`, n);
    k.add(c, c, zd);
  }
  if (p.rangeCheck) {
    // checked mode: (c, −r_A, −r_B) is a free 2-of-3 sharing of x + 2^62 (A holds (−r_A, c), B (c, −r_B))
    const negMask = new BigUint64Array(n);
    k.neg(negMask, mask);
    if (isA) p.rangeCheck.recordTrunc(tag, negMask, c);
    else p.rangeCheck.recordTrunc(tag, c, negMask);
  }
  if (!isA) {
    const corr = await comm.recvU64Offline(dealer as 0 | 1 | 2, `${tag}/corr`, 2 * n);
    rho1 = corr.subarray(0, n);
    rho2 = corr.subarray(n);
  }
  // y = [A only: c' + c_msb·2^(63-d) − 2^(62-d)] − ρ1 + 2^(63-d)·(1 − 2·c_msb)·ρ2
  const cMsb = new BigUint64Array(n);
  k.shrLogical(cMsb, c, 63);
  const sign = new BigUint64Array(n);
  k.shl(sign, cMsb, 1);
  k.neg(sign, sign);
  k.addScalar(sign, sign, 1n); // 1 − 2 c_msb
  const y = new BigUint64Array(n);
  k.mul(y, sign, rho2);
  k.shl(y, y, Number(sh));
  k.sub(y, y, rho1);
  if (isA) {
    const cLow = new BigUint64Array(n);
    k.andScalar(cLow, c, MSB_MASK);
    k.shrLogical(cLow, cLow, bits);
    k.add(y, y, cLow);
    k.shl(cMsb, cMsb, Number(sh));
    k.add(y, y, cMsb);
    k.addScalar(y, y, BigInt.asUintN(64, -(1n << (62n - BigInt(bits)))));
  }
  // Round 2: y_B' = (y_A − y_A') + (y_B − y_D'), y_A' = F(seed(D,A)), y_D' = F(seed(B,D)).
  const fresh = seedD.ring(n);
  const part = new BigUint64Array(n);
  k.sub(part, y, fresh);
  comm.sendU64(other, `${tag}/reshare`, part);
  const otherPart = await comm.recvU64(other, `${tag}/reshare`, n);
  const yB = new BigUint64Array(n);
  k.add(yB, part, otherPart);
  return isA ? aShare(shape, fresh, yB) : aShare(shape, yB, fresh);
}

/** Truncate a replicated share by `bits` (default: the fixed-point f). */
export function truncA(p: Party, x: AShare, bits: number = p.cfg.fracBits): Promise<AShare> {
  return scoped(p, 'truncA', () => truncCore(p, { kind: 'replicated', x }, x.s0.length, x.shape, bits, 'truncA'));
}
/**
 * rounds 2: A and B open c to each other (2n words) and reshare (2n); offline: D's corrections
 * to B (2n). rounds 1: trunc-round1.ts (3n words online; offline: the tuples, whose size
 * depends on `bits` only through ≤ 31 or not).
 */
export const truncACost = (n: number, rounds: 1 | 2 = 2, bits = 18): OpCost =>
  rounds === 1 ? truncRound1Cost(n, bits) : { rounds: 2, bytesTotal: 4 * 8 * n, offlineBytesTotal: 2 * 8 * n };

/** Truncate a 3-of-3 additive sharing z (party i holds z_i) into a replicated share. */
export function truncAdditive(p: Party, z: BigUint64Array, shape: Shape, bits: number, tag: string): Promise<AShare> {
  return truncCore(p, { kind: 'additive', z }, z.length, shape, bits, tag);
}
/** rounds 2: as truncACost, plus D's additive share z_D sent to A and B online (2n words); rounds 1: 6n words online. */
export const truncAdditiveCost = (n: number, rounds: 1 | 2 = 2, bits = 18): OpCost =>
  rounds === 1 ? truncAdditiveRound1Cost(n, bits) : { rounds: 2, bytesTotal: 6 * 8 * n, offlineBytesTotal: 2 * 8 * n };
