/**
 * Highest-set-bit normalisation, the first step of reciprocal and rsqrt (SPU's
 * `highestOneBit` + bit reversal, PUMA §4): for x with highest set bit m (of |x| as a ring
 * integer), produce shared public-table values W(m) — powers of two that normalise x into
 * [0.5, 1) or [0.25, 0.5), or any other per-octave constant such as 2^(−m/2)·√2.
 *
 * SPU decomposes x into bits (A2B), takes a log-depth prefix-OR and converts the one-hot back
 * (B2A). The prefix-OR bits are exactly the thermometer code or_j = [|x| ≥ 2^j], so we compute
 * them directly as a batch of comparisons against the public thresholds 2^j, all in ONE msb
 * pass (8 rounds instead of A2B 8 + prefix-OR 6), then one b2a (2 rounds). Sign handling is
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
 */
import type { OpCost, Party } from '../protocols/context.js';
import { scoped } from '../protocols/context.js';
import { msb, msbCost } from '../protocols/msb.js';
import { b2a, mulA1BCost } from '../protocols/bitmul.js';
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
    const bits = await msb(p, aShare([nb * n], s0, s1));
    return { plan, n, a: await b2a(p, bits) };
  });
}

export function highBitsCost(n: number, plan: HighBitPlan): OpCost {
  const m = n * columns(plan);
  return addCosts(msbCost(m), mulA1BCost(m));
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
