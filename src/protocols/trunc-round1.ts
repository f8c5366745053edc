/**
 * Probabilistic truncation x ↦ x / 2^d in ONE online round, from a truncation tuple
 * ([r], [R], [m]) that no single party knows (trunc-tuple.ts; the "positive msb" truncation of
 * Dalskov, Escudero and Keller, USENIX Security 2021). Selected by p.truncRounds = 1
 * (withTruncRounds); trunc.ts dispatches here.
 *
 *   offline  n tuples for this call, made on demand in an offline context (Party.offline):
 *            data-independent, offline bytes only, TRUNC_TUPLE_OFFLINE_ROUNDS offline rounds; or,
 *            when the session has a tuple pool (tuple-pool.ts) with a slot for this claim, slices
 *            of tuples made at the start of the phase.
 *   round 1  c = x + 2^62 + r is opened to ALL three parties. Components (c0, c1, c2), c_i held
 *            by P_i and P_{i−1}, with 2^62 in c0:
 *            replicated x: c_i = x_i + r_i (+ 2^62 for i = 0); P_i sends c_i to P_{i+1}, the one
 *              component it lacks, masked by r_i = F(s_{i−1}), a seed P_{i+1} lacks. 24 B/element.
 *            3-of-3 additive z (P_i holds z_i, e.g. a local product): P_i sends
 *              w_i = z_i + r_i + α_i (+ 2^62 at P0) to both others, α_i = F'(s_i) − F'(s_{i−1}) a
 *              fresh zero-sharing. P_{i+1} lacks s_{i−1}, so r_i and F'(s_{i−1}) mask it; P_{i−1}
 *              lacks s_i, so F'(s_i) masks it. (The two words P_{i+1} receives share only
 *              F'(s_{i−1}), which cancels in their sum, still masked by r_i.) 48 B/element.
 *            c is uniform to each party: r = (r_0 + r_1) + r_2, and no party knows both addends.
 *   local    with c' = (c mod 2^63) >> d and c_msb = msb(c) (public), the carry k of
 *            (x + 2^62) + (r mod 2^63) into bit 63 is c_msb ⊕ m = c_msb + m − 2·c_msb·m, so
 *              y = c' − R + 2^(63−d)·c_msb + 2^(63−d)·(1 − 2·c_msb)·m − 2^(62−d)
 *            is linear in the tuple: every party computes its two components, the public terms
 *            go into c0. y is a fresh replicated sharing (R and m are).
 * Error: y − ⌊x / 2^d⌋ ∈ {0, 1, 2} (the borrow of the low d bits, as in the 2-round protocol,
 * plus R's dropped carry); mean ≈ +1 ulp against ⌊x / 2^d⌋, i.e. ≈ +0.5 ulp against x / 2^d.
 * Range: x ∈ [−2^62, 2^62), as trunc.ts. Checked mode records (c − r_0, −r_1, −r_2), a free
 * replicated sharing of x + 2^62.
 */
import type { Shape } from '../ring/tensor.js';
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';
import type { PendingTuple, TruncTuple, TuplePlan } from './trunc-tuple.js';
import { truncTuple, truncTupleCost } from './trunc-tuple.js';
import { tuplePoolOf } from './tuple-pool.js';

const MASK63 = (1n << 63n) - 1n;
const TWO62 = 1n << 62n;

/** What the parties contribute to the opened value c = x + r: a replicated x or a 3-of-3 z. */
export type Contribution = { kind: 'replicated'; x: AShare } | { kind: 'additive'; z: BigUint64Array };

/** Tuples started ahead for a context's own coming 1-round truncations, in their order. */
const prefetched = new WeakMap<Party, PendingTuple[]>();

/**
 * Start making the tuples of p's next 1-round truncations now, in the order p will run them
 * (`[elements, bits]` each), so their offline round trips overlap p's work until then instead of
 * preceding each truncation. Only for p itself (a fork or branch has its own queue; startTuples /
 * useTuples hand tuples to another context); a no-op unless p.truncRounds is 1. The three parties
 * call it at the same point of the program, so their offline contexts and the tuples line up; a
 * truncation that does not match the head of the queue throws.
 */
export function prefetchTuples(p: Party, plan: TuplePlan, rounds: 1 | 2 = p.truncRounds): void {
  if (rounds !== 1) return;
  const queue = prefetched.get(p) ?? [];
  prefetched.set(p, queue);
  queue.push(...startTuples(p, plan, 'prefetch'));
}

/** Tuples started by startTuples, for useTuples. */
export type EarlyTuples = readonly PendingTuple[];

/**
 * Start making tuples now (`[elements, bits]` each, on offline contexts of p) for 1-round
 * truncations that a context created later will run: an op starts them where it learns the
 * sizes, well before the truncations (the exp's chain before the row max, a norm's products before
 * its comparisons), so that the tuples' offline round trips are over when they are needed. Call
 * at the same point of the program at every party; hand them over with useTuples.
 */
export function startTuples(p: Party, plan: TuplePlan, label = 'early'): EarlyTuples {
  const pooled = tuplePoolOf(p)?.claim(p, plan); // made ahead (tuple-pool.ts), when the session has a pool
  if (pooled) return pooled;
  return plan.map(([n, bits]) => {
    const q = p.offline(label);
    const tuple = scoped(q, 'tuple', () => truncTuple(q, n, bits));
    tuple.catch(() => undefined); // a failure (a dead peer) surfaces where the tuple is used, never as an unhandled rejection
    return { n, bits, tuple };
  });
}

/**
 * Let q's next 1-round truncations, in order, use `early` (from startTuples) before anything q
 * prefetched itself. Call right before those truncations; a truncation whose size or bits differ
 * from the head throws, as with prefetchTuples.
 */
export function useTuples(q: Party, early: EarlyTuples): void {
  if (early.length) prefetched.set(q, [...early, ...(prefetched.get(q) ?? [])]);
}

async function tupleFor(p: Party, n: number, bits: number, tag: string): Promise<TruncTuple> {
  const head = prefetched.get(p)?.shift();
  if (head) {
    if (head.n !== n || head.bits !== bits) throw new Error(`${tag}: prefetched tuple for ${head.n} elements at ${head.bits} bits, used for ${n} at ${bits}`);
    return head.tuple;
  }
  const pooled = tuplePoolOf(p)?.claim(p, [[n, bits]]);
  if (pooled) return pooled[0].tuple;
  const q = p.offline(tag);
  return scoped(q, 'tuple', () => truncTuple(q, n, bits));
}

export async function truncRound1(p: Party, input: Contribution, n: number, shape: Shape, bits: number, tag: string): Promise<AShare> {
  const { k, comm, id } = p;
  const t = await tupleFor(p, n, bits, tag);
  const { r } = t;
  const c = new BigUint64Array(n);
  if (input.kind === 'replicated') {
    const mine = new BigUint64Array(n);
    k.add(mine, input.x.s0, r.s0); // c_i
    if (id === 0) k.addScalar(mine, mine, TWO62);
    comm.sendU64(comm.next, `${tag}/open1`, mine);
    k.add(c, input.x.s1, r.s1); // c_{i+1}
    if (id === 2) k.addScalar(c, c, TWO62);
    k.add(c, c, mine);
    k.add(c, c, await comm.recvU64(comm.prev, `${tag}/open1`, n)); // c_{i+2}
  } else {
    const w = p.prss.zero(n); // α_i
    k.add(w, w, input.z);
    k.add(w, w, r.s0); // r_i
    if (id === 0) k.addScalar(w, w, TWO62);
    comm.sendU64(comm.next, `${tag}/open1`, w);
    comm.sendU64(comm.prev, `${tag}/open1`, w);
    k.add(c, w, await comm.recvU64(comm.next, `${tag}/open1`, n));
    k.add(c, c, await comm.recvU64(comm.prev, `${tag}/open1`, n));
  }
  if (p.rangeCheck) {
    // checked mode: (c − r_0, −r_1, −r_2) is a free replicated sharing of x + 2^62
    const s0 = new BigUint64Array(n);
    const s1 = new BigUint64Array(n);
    k.neg(s0, r.s0);
    k.neg(s1, r.s1);
    if (id === 0) k.add(s0, s0, c);
    if (id === 2) k.add(s1, s1, c);
    p.rangeCheck.recordTrunc(tag, s0, s1);
  }
  const sh = 63 - bits;
  const cMsb = new BigUint64Array(n);
  k.shrLogical(cMsb, c, 63);
  const coef = new BigUint64Array(n); // 1 − 2·c_msb (the tuple's M = 2^(63−d)·m)
  k.shl(coef, cMsb, 1);
  k.neg(coef, coef);
  k.addScalar(coef, coef, 1n);
  const y0 = new BigUint64Array(n);
  const y1 = new BigUint64Array(n);
  k.mul(y0, coef, t.M.s0);
  k.sub(y0, y0, t.R.s0);
  k.mul(y1, coef, t.M.s1);
  k.sub(y1, y1, t.R.s1);
  if (id === 0 || id === 2) {
    // public part c' + 2^(63−d)·c_msb − 2^(62−d), into component 0 (P0's s0, P2's s1)
    const pub = new BigUint64Array(n);
    k.andScalar(pub, c, MASK63);
    k.shrLogical(pub, pub, bits);
    k.shl(cMsb, cMsb, sh);
    k.add(pub, pub, cMsb);
    k.addScalar(pub, pub, BigInt.asUintN(64, -(1n << BigInt(62 - bits))));
    const target = id === 0 ? y0 : y1;
    k.add(target, target, pub);
  }
  return aShare(shape, y0, y1);
}

/** Replicated input: one word per element from each party (24 B); offline: the tuples for `bits`. */
export const truncRound1Cost = (n: number, bits = 18): OpCost => ({ rounds: 1, bytesTotal: 3 * 8 * n, offlineBytesTotal: truncTupleCost(n, bits).offlineBytesTotal });
/** 3-of-3 additive input: two words per element from each party (48 B); offline: the tuples for `bits`. */
export const truncAdditiveRound1Cost = (n: number, bits = 18): OpCost => ({ rounds: 1, bytesTotal: 6 * 8 * n, offlineBytesTotal: truncTupleCost(n, bits).offlineBytesTotal });
