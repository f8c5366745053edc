/**
 * Highest-set-bit normalisation, the first step of reciprocal and rsqrt (SPU's
 * `highestOneBit` + bit reversal, PUMA §4): for x with highest set bit m (of |x| as a ring
 * integer), produce shared public-table values W(m) — powers of two that normalise x into
 * [0.5, 1) or [0.25, 0.5), or any other per-octave constant such as 2^(−m/2)·√2.
 *
 * SPU decomposes x into bits (A2B), takes a log-depth prefix-OR and converts the one-hot back
 * (B2A). The prefix-OR bits are exactly the thermometer code or_j = [|x| ≥ 2^j], so we compute
 * them directly as a batch of comparisons against the public thresholds 2^j, all in ONE msb
 * pass (A2B + prefix-OR took 8 + 6 rounds), then one b2a. The bits stay where msb's carry tree
 * leaves them, a 2-of-2 XOR sharing of P1 and P2 (msbPair: 3 rounds with the radix-8 tree used
 * for per-row batches, 4 otherwise), and both consumers take that form directly (pair-mux.ts):
 * the b2a is b2aPair (2 rounds) and the products below mulA1BPairAdditive (1 round), each one
 * round less than making the bits replicated first. Sign handling is
 * free: with both [x ≥ 2^j] and [x ≤ −2^j] in the batch,
 *
 *   W_sign(x) = Σ_j (or⁺_j − or⁻_j)·(W_j − W_{j−1}) = sign(x)·W(m)        (telescoping)
 *
 * and any number of tables are weighed locally from the same bits. Thresholds j ∈ [lo, hi):
 * |x| < 2^lo gives 0, |x| ≥ 2^hi is treated as m = hi − 1 (callers pick tables for which that
 * is the right answer, e.g. an output that underflows to 0).
 *
 * Cost: msb and b2a of n·(hi − lo)·(signed ? 2 : 1) elements — more bytes than A2B, fewer
 * rounds; these functions run once per row (softmax, norms), where rounds dominate.
 *
 * Fused normalisation (weighTimes): the caller's first use of a table is almost always the
 * product x·W_sign(x), truncated next. Since W_sign = W(hi−1) − Σ_j ΔW_j·(a⁺_j + a⁻_j),
 *
 *   x·W_sign(x) = W(hi−1)·x − Σ_j ΔW_j·(x·a⁺_j + x·a⁻_j),
 *
 * and each x·a_j comes out of mulA1BPairAdditive's single round as a 3-of-3 additive sharing, so
 * the product is ready 1 round after the comparisons (instead of b2a 2 + local product) and goes
 * straight into the truncation: msbPair 4 + 1 + truncation 2 = 7 rounds to the normalised value,
 * one less than highBits + a fixed-point multiply. Its value is exactly the ring integer
 * x·W_sign(x) that weigh + Acc.product give, so the truncation's range is unchanged (the
 * summands wrap mod 2^64 freely; only the sum reaches the truncation). Tables needed later
 * (rsqrt's B, reciprocal's sf) still come from highBitsB2a, which runs beside it on a fork.
 */
import type { LazyBranch, OpCost, Party } from '../protocols/context.js';
import { scoped } from '../protocols/context.js';
import type { CarryRadix } from '../protocols/msb.js';
import { msbPair, msbPairCost, msbPairOf, msbPairOfSplitCost, splitAdditive } from '../protocols/msb.js';
import { b2aPair, b2aPairCost, mulA1BPairAdditive, mulA1BPairAdditiveCost } from '../protocols/pair-mux.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import { pow2 } from './fused-products.js';
import { addCosts } from '../protocols/context.js';

export interface HighBitPlan {
  /** Thresholds 2^j for j ∈ [lo, hi), as ring integers (x at its own scale). */
  readonly lo: number;
  readonly hi: number;
  /** Also compare against −2^j (sign handling); otherwise x must be ≥ 0. */
  readonly signed: boolean;
}

export interface HighBits {
  readonly plan: HighBitPlan;
  readonly n: number;
  /** Arithmetic 0/1 shares, column-major [nb, n]: [x < 2^j] for each j, then [x ≤ −2^j] if signed. */
  readonly a: AShare;
}

/**
 * An input x given before it is ready as a replicated share: z a zero-masked 3-of-3 sharing of
 * x·2^shift, and x itself on a lazy branch (its truncation, or the re-sharing round of the op
 * that made it). The comparisons start on z (highBitComparesAdditive), so that round runs beside
 * the msb instead of before it (rsqrt.ts core, reciprocal.ts).
 */
export interface Untruncated {
  readonly z: BigUint64Array;
  readonly shift: number;
  readonly x: LazyBranch<AShare>;
}

/** The comparison bits alone, as msb's tree leaves them (P1/P2's 2-of-2 XOR halves), before any b2a. */
export interface HighBitCompares {
  readonly plan: HighBitPlan;
  readonly n: number;
  /** Column-major [nb·n] bits, the same order as HighBits.a: P1's or P2's packed half ([⌈nb·n/64⌉] words); P0: null. */
  readonly pair: BigUint64Array | null;
}

function checkPlan(plan: HighBitPlan): void {
  const { lo, hi } = plan;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi <= lo || hi > 62) {
    throw new RangeError(`highbit: need integers 0 ≤ lo < hi ≤ 62, got lo=${lo} hi=${hi}`);
  }
}

const columns = (plan: HighBitPlan): number => (plan.hi - plan.lo) * (plan.signed ? 2 : 1);

/** The comparisons (one msb) and their b2a. x: [n] ring integers. */
export function highBits(p: Party, x: AShare, plan: HighBitPlan): Promise<HighBits> {
  checkPlan(plan);
  return scoped(p, 'highbit', async () => {
    const c = await compareAll(p, x, plan);
    return { plan, n: c.n, a: await b2aPair(p, c.pair, c.n * columns(plan)) };
  });
}

export function highBitsCost(n: number, plan: HighBitPlan): OpCost {
  return addCosts(highBitComparesCost(n, plan), highBitsB2aCost(n, plan));
}

/** The comparisons alone (msbPair: 3 rounds up to RADIX8_COMPARISONS, else 4), for weighTimes and highBitsB2a. */
export function highBitCompares(p: Party, x: AShare, plan: HighBitPlan): Promise<HighBitCompares> {
  checkPlan(plan);
  return scoped(p, 'highbit', () => compareAll(p, x, plan));
}

export const highBitComparesCost = (n: number, plan: HighBitPlan): OpCost => msbPairCost(n * columns(plan), compareRadix(n * columns(plan)));

/**
 * Batches of at most this many comparisons use msb's radix-8 carry tree: one round less (4
 * instead of 5) for ≈ 490 B of dealt material per comparison instead of ≈ 53. These batches are
 * one per row (LayerNorm's and the reciprocal's normalisation: GPT-2 base prefill 32 rows ×
 * ≈ 45 thresholds), so the offline bytes stay small while the round is on every layer's path.
 */
export const RADIX8_COMPARISONS = 1 << 14;
const compareRadix = (m: number): CarryRadix => (m <= RADIX8_COMPARISONS ? 8 : 4);

/**
 * highBitCompares on x given before its truncation: z a 3-of-3 additive sharing (zero-masked) of
 * X = x·2^shift exactly, x = ⌊X / 2^shift⌋ (unsigned plans only). [x < 2^j] = [X < 2^(j+shift)],
 * so the bits are those of the truncated x, and the msb (splitAdditive, whose round runs beside
 * msbPairOf's input round) starts while x's own truncation runs.
 */
export function highBitComparesAdditive(p: Party, z: BigUint64Array, shift: number, plan: HighBitPlan): Promise<HighBitCompares> {
  checkPlan(plan);
  if (plan.signed) throw new RangeError('highbit: comparisons on an untruncated input need an unsigned plan');
  if (!Number.isInteger(shift) || shift < 0 || plan.hi - 1 + shift > 62) throw new RangeError(`highbit: thresholds 2^(j + ${shift}) for j < ${plan.hi} leave the ring`);
  return scoped(p, 'highbit', async () => {
    const n = z.length;
    const nb = columns(plan);
    const cols = new BigUint64Array(nb * n);
    for (let c = 0; c < nb; c++) {
      const d = cols.subarray(c * n, (c + 1) * n);
      d.set(z);
      if (p.id === 0) p.k.addScalar(d, d, BigInt.asUintN(64, -pow2(plan.lo + c + shift))); // X − 2^(j+shift) < 0 ⇔ x < 2^j
    }
    return { plan, n, pair: await msbPairOf(p, await splitAdditive(p, cols, 'highbit/split'), compareRadix(nb * n)) };
  });
}

export const highBitComparesAdditiveCost = (n: number, plan: HighBitPlan): OpCost => msbPairOfSplitCost(n * columns(plan), compareRadix(n * columns(plan)));

/** Elements of x, ready or not. */
export const inputLength = (x: AShare | Untruncated): number => ('s0' in x ? x.s0.length : x.z.length);

/** The comparisons of x, ready (highBitCompares) or not yet (highBitComparesAdditive on its 3-of-3 form). */
export function highBitComparesOf(p: Party, x: AShare | Untruncated, plan: HighBitPlan): Promise<HighBitCompares> {
  return 's0' in x ? highBitCompares(p, aShare([x.s0.length], x.s0, x.s1), plan) : highBitComparesAdditive(p, x.z, x.shift, plan);
}

/** highBitComparesOf's cost; early: x given as Untruncated. */
export const highBitComparesOfCost = (n: number, plan: HighBitPlan, early: boolean): OpCost => (early ? highBitComparesAdditiveCost(n, plan) : highBitComparesCost(n, plan));

/** x as a flat replicated share on q (an Untruncated's branch taken by q, raising q's depth to it). */
export async function readyInput(q: Party, x: AShare | Untruncated): Promise<AShare> {
  const r = 's0' in x ? x : await x.x.take(q);
  return aShare([r.s0.length], r.s0, r.s1);
}

/** The b2a of the comparison bits from their 2-of-2 halves (b2aPair, 2 rounds): highBits = highBitCompares then this. */
export async function highBitsB2a(p: Party, c: HighBitCompares): Promise<HighBits> {
  return { plan: c.plan, n: c.n, a: await b2aPair(p, c.pair, c.n * columns(c.plan), 'highbit/b2a') };
}

export const highBitsB2aCost = (n: number, plan: HighBitPlan): OpCost => b2aPairCost(n * columns(plan));

/** [x < 2^j] (then [x ≤ −2^j]) for every threshold, one msb. */
async function compareAll(p: Party, x: AShare, plan: HighBitPlan): Promise<HighBitCompares> {
  const n = x.s0.length;
  const nb = columns(plan);
  const s0 = new BigUint64Array(nb * n);
  const s1 = new BigUint64Array(nb * n);
  const { k } = p;
  let col = 0;
  const addCol = (c: bigint) => {
    const d0 = s0.subarray(col * n, (col + 1) * n);
    const d1 = s1.subarray(col * n, (col + 1) * n);
    d0.set(x.s0);
    d1.set(x.s1);
    if (p.id === 0) k.addScalar(d0, d0, c);
    if (p.id === 2) k.addScalar(d1, d1, c);
    col++;
  };
  for (let j = plan.lo; j < plan.hi; j++) addCol(BigInt.asUintN(64, -pow2(j))); // x − 2^j < 0  ⇔  x < 2^j
  if (plan.signed) for (let j = plan.lo; j < plan.hi; j++) addCol(pow2(j) - 1n); // x + 2^j − 1 < 0  ⇔  x ≤ −2^j
  return { plan, n, pair: await msbPair(p, aShare([nb * n], s0, s1), compareRadix(nb * n)) };
}

/**
 * sign(x)·W(m) for a public table W over m ∈ [lo, hi) (ring integers), local.
 * With or⁺_j = 1 − [x < 2^j] and or⁻_j = [x ≤ −2^j]:  Σ_j (1 − a⁺_j − a⁻_j)·ΔW_j.
 */
export function weigh(p: Party, hb: HighBits, W: (m: number) => bigint): AShare {
  const { plan, n, a } = hb;
  const { k } = p;
  const width = plan.hi - plan.lo;
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  const t = new BigUint64Array(n);
  let prev = 0n;
  const cols = plan.signed ? 2 : 1;
  for (let j = plan.lo; j < plan.hi; j++) {
    const wj = W(j);
    const d = BigInt.asUintN(64, wj - prev);
    prev = wj;
    for (let c = 0; c < cols; c++) {
      const col = c * width + (j - plan.lo);
      k.mulScalar(t, a.s0.subarray(col * n, (col + 1) * n), d);
      k.sub(s0, s0, t);
      k.mulScalar(t, a.s1.subarray(col * n, (col + 1) * n), d);
      k.sub(s1, s1, t);
    }
  }
  // + W(hi − 1) (= Σ ΔW) as a public constant.
  const c = BigInt.asUintN(64, prev);
  if (p.id === 0) k.addScalar(s0, s0, c);
  if (p.id === 2) k.addScalar(s1, s1, c);
  return aShare([n], s0, s1);
}

/**
 * This party's 3-of-3 ADDITIVE share of x ⊙ sign(x)·W(m) (x: [n], the input of the
 * comparisons), in 1 round: mulA1BPairAdditive of every comparison bit against x, weighed locally
 * by the public ΔW_j (see the file comment). The shares are correlated with the other parties'
 * seeds (pair-mux.ts): the caller must add them to an Acc (Acc.additive) whose done() adds a fresh
 * zero-sharing, and only a truncation (truncMany/truncAdditive, which re-masks what it opens)
 * may consume the result.
 */
export function weighTimes(p: Party, c: HighBitCompares, x: AShare, W: (m: number) => bigint): Promise<BigUint64Array> {
  const { plan, n, pair } = c;
  if (x.s0.length !== n) throw new RangeError(`weighTimes: ${x.s0.length} elements for comparisons of ${n}`);
  return scoped(p, 'weighTimes', async () => {
    const { k } = p;
    const nb = columns(plan);
    const xs0 = new BigUint64Array(nb * n);
    const xs1 = new BigUint64Array(nb * n);
    for (let col = 0; col < nb; col++) {
      xs0.set(x.s0, col * n);
      xs1.set(x.s1, col * n);
    }
    const [xa] = await mulA1BPairAdditive(p, pair, nb * n, [aShare([nb * n], xs0, xs1)], 'highbit/times'); // x·a_col, 3-of-3 (P0: 0)
    const width = plan.hi - plan.lo;
    const cols = plan.signed ? 2 : 1;
    const z = new BigUint64Array(n);
    const t = new BigUint64Array(n);
    let prev = 0n;
    for (let j = plan.lo; j < plan.hi; j++) {
      const wj = W(j);
      const d = BigInt.asUintN(64, wj - prev);
      prev = wj;
      for (let s = 0; s < cols; s++) {
        const col = s * width + (j - plan.lo);
        k.mulScalar(t, xa.subarray(col * n, (col + 1) * n), d);
        k.sub(z, z, t);
      }
    }
    // + W(hi − 1)·x: party i adds W(hi − 1)·x_i (the three x_i sum to x).
    k.mulScalar(t, x.s0, BigInt.asUintN(64, prev));
    k.add(z, z, t);
    return z;
  });
}

export const weighTimesCost = (n: number, plan: HighBitPlan): OpCost => mulA1BPairAdditiveCost(n * columns(plan));
