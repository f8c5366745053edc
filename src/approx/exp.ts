/**
 * exp(x) for x ≤ 0 on shares (the softmax exponential), PUMA §4.3 / SPU's Taylor mode:
 *
 *   exp(x) ≈ base(x/2^t)^(2^t),  base(y) = 1 + y (PUMA, degree 1) or 1 + y + … + y^d/d!,
 *   masked to 0 below `maskBelow` (PUMA: −14) — the comparison is one msb.
 *
 * Rounds: max(msbPair (3–4), base (degree 1: free; degree 2–4: 2 levels) + t squarings) — the mask
 * comparison and the whole power chain run as concurrent branches (Party.fork) — then the mask by
 * mulA1BPair 2 (from the 2-of-2 bits, pair-mux.ts; 24 B per element where mulA1B took 64). A
 * truncation costs 1 or 2 rounds (the caller's p.truncRounds). For degree 1,
 * 1 + x/2^t is kept at scale f + t (x + 2^(t+f) as a ring integer), so the truncation by t is
 * folded into the first squaring (trunc by f + 2t): PUMA's literal form would spend more rounds.
 * The mask zeroes the RESULT: below the mask the base and its powers leave the truncations' range
 * (so checked mode skips the chain), but y − [x < mask]·y is exactly 0 in the ring whatever y
 * holds, and unmasked lanes have base ∈ (0, 1]. (Masking the base before the squarings instead,
 * as before, put the mux's 2 rounds and the squarings in sequence.)
 *
 * Accuracy on [−14, 0] (float, before fixed point): degree 1, t = 5: 8.5e-3 (at x ≈ −2);
 * degree 4, t = 3: 7.5e-5 with the same rounds and bytes (see docs/approx.md).
 * Inputs must be ≤ 0 (for x > 0 the result is meaningless); |x| < 2^62/2^f.
 */
import type { OpCost, Party } from '../protocols/context.js';
import type { LazyBranch } from '../protocols/context.js';
import { branches, lazyBranch, scoped } from '../protocols/context.js';
import { msbPair, msbPairCost } from '../protocols/msb.js';
import { mulA1BPair, mulA1BPairAdditive, mulA1BPairAdditiveCost, mulA1BPairCost } from '../protocols/pair-mux.js';
import { withoutRangeCheck } from '../protocols/range-check.js';
import { addAPScalar, subAA } from '../protocols/arith.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ExpConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG, validateExp } from './config.js';
import type { TruncRounds } from './fused-products.js';
import { Acc, fixedInt, pow2, truncMany, truncManyCost } from './fused-products.js';
import { addCosts, parCosts } from '../protocols/context.js';
import type { PolyPlan } from './poly.js';
import { evalPolys, planPolys, polysTruncPlan } from './poly.js';
import { prefetchTuples, startTuples, useTuples, type EarlyTuples } from '../protocols/trunc-round1.js';

const basePlans = new Map<string, PolyPlan>();

/**
 * The Taylor base Σ_k x^k / (k!·2^(tk)) as a polynomial in x, evaluated at scale f + t; the input
 * is read at scale f + shift (x·2^−shift: a public power-of-two scale folded into the input).
 */
function basePlan(e: ExpConfig, f: number, shift = 0): PolyPlan | null {
  if (e.degree === 1) return null;
  const key = `${e.degree}/${e.t}/${e.maskBelow}/${f}/${shift}`;
  let pl = basePlans.get(key);
  if (!pl) {
    const coeffs = [1];
    for (let k = 1; k <= e.degree; k++) coeffs.push(coeffs[k - 1] / (k * 2 ** e.t));
    pl = planPolys([{ coeffs, radius: -e.maskBelow, bound: 1.05 }], f + shift, f + e.t);
    basePlans.set(key, pl);
  }
  return pl;
}

/** exp(x) for x ≤ 0, elementwise (any shape). */
export function fExp(p: Party, x: AShare, e: ExpConfig = DEFAULT_APPROX_CONFIG.exp): Promise<AShare> {
  return expCore(p, x, e);
}

/**
 * fExp with an input shift:
 * `shift` reads x at f + shift fractional bits, i.e. computes exp(x·2^−shift) at no extra cost
 * (softmax folds attention's 1/√d_head = 2^−3 this way instead of a fixed-point multiply).
 */
export async function expCore(p: Party, x: AShare, e: ExpConfig, shift = 0): Promise<AShare> {
  const { below, y } = await expParts(p, x, e, shift);
  const kept = await scoped(p, 'exp', async () => subAA(p, y, (await mulA1BPair(p, below, y.s0.length, [y], 'exp/mask'))[0]));
  return aShare(x.shape, kept.s0, kept.s1);
}

/**
 * exp for a caller that sums the result next (softmax's row sums): the masked result as a
 * zero-masked 3-of-3 sharing after mulA1BPairAdditive's one round (`additive`, [n]), and as a
 * replicated share on a lazy branch (mulA1BPair, 2 rounds, taken by whoever needs it). The caller
 * must create nothing that outlives its own scope: `kept` is a branch of p under the label 'exp'.
 * Both selections use their own dealt bits r (fresh PRSS draws on p and on the branch), so their
 * two openings e = below ⊕ r and e' = below ⊕ r' differ by r ⊕ r', which no single party knows.
 */
export async function expSplit(p: Party, x: AShare, e: ExpConfig, shift = 0, early?: EarlyTuples): Promise<{ additive: BigUint64Array; kept: LazyBranch<AShare> }> {
  const n = x.s0.length;
  const { below, y } = await expParts(p, x, e, shift, early);
  const kept = lazyBranch(p, 'exp', async (q) => subAA(q, y, (await mulA1BPair(q, below, n, [y], 'exp/mask'))[0]));
  const [by] = await scoped(p, 'exp', () => mulA1BPairAdditive(p, below, n, [y], 'exp/maskAdd'));
  p.k.neg(by, by);
  return { additive: new Acc(p, n).linear(y, 1n).additive(by).done(), kept };
}

/** expSplit's cost: `main` up to `additive`, `kept`'s extra (its mulA1BPair, 1 round after main). */
export function expSplitCost(n: number, e: ExpConfig, fracBits = 18, shift = 0, tr: TruncRounds = 2): { main: OpCost; kept: OpCost } {
  const kept = mulA1BPairCost(n);
  return { main: addCosts(expPartsCost(n, e, fracBits, shift, tr), mulA1BPairAdditiveCost(n)), kept: { ...kept, rounds: kept.rounds - 1 } };
}

/**
 * The power chain's tuples for an exp over n elements, started now (1-round mode): a caller that
 * knows n before the exp's input exists (softmax, before the row max) passes them to expSplit,
 * whose chain then never waits for their offline round trips.
 */
export const startExpTuples = (p: Party, n: number, e: ExpConfig, shift = 0): EarlyTuples => startTuples(p, powersTruncPlan(n, e, p.cfg.fracBits, shift));

/** The mask bits [x < maskBelow] and the unmasked power chain, on two branches (`early`: the chain's tuples, startExpTuples). */
function expParts(p: Party, x: AShare, e: ExpConfig, shift: number, early?: EarlyTuples): Promise<{ below: BigUint64Array | null; y: AShare }> {
  validateExp('exp', e);
  if (!Number.isInteger(shift) || shift < 0 || shift > 16) throw new RangeError(`exp: input shift must be an integer in [0, 16], got ${shift}`);
  return scoped(p, 'exp', async () => {
    const f = p.cfg.fracBits;
    const fin = f + shift; // scale the ring integers of x are read at
    const n = x.s0.length;
    const flatX = aShare([n], x.s0, x.s1);
    const pl = basePlan(e, f, shift);
    const bs = pl ? f + e.t : fin + e.t; // scale of the base (degree 1: x + 2^(fin+t) is 1 + x/2^t)
    // below the mask the powers may overflow; they are zeroed exactly at the end, so checked mode skips them
    const powers = async (q: Party): Promise<AShare> =>
      withoutRangeCheck(q, async () => {
        // the chain's tuples (1-round mode): started by the caller, or made at once here, ahead of their truncations
        if (early) useTuples(q, early);
        else prefetchTuples(q, powersTruncPlan(n, e, f, shift));
        const base = pl ? (await evalPolys(q, flatX, pl))[0] : addAPScalar(q, flatX, pow2(bs));
        let y = (await truncMany(q, [new Acc(q, n).product(base, base).done()], 2 * bs - f, 'exp/sq'))[0];
        for (let i = 1; i < e.t; i++) y = (await truncMany(q, [new Acc(q, n).product(y, y).done()], f, 'exp/sq'))[0];
        return y;
      });
    const [below, y] = await branches<[BigUint64Array | null, AShare]>(p, [
      ['mask', (q) => msbPair(q, addAPScalar(q, flatX, BigInt.asUintN(64, -fixedInt(e.maskBelow, fin))))],
      ['base', powers],
    ]);
    return { below, y };
  });
}

/** `tr`: the truncation mode the exp runs in (the caller's p.truncRounds). */
export function fExpCost(n: number, e: ExpConfig = DEFAULT_APPROX_CONFIG.exp, fracBits = 18, shift = 0, tr: TruncRounds = 2): OpCost {
  return addCosts(expPartsCost(n, e, fracBits, shift, tr), mulA1BPairCost(n));
}

/** The power chain's truncations in order, [elements, bits]: the base polynomial's levels, then the t squarings. */
function powersTruncPlan(n: number, e: ExpConfig, f: number, shift: number): [number, number][] {
  const pl = basePlan(e, f, shift);
  const bs = pl ? f + e.t : f + shift + e.t; // the base's scale, as in expParts
  return [...(pl ? polysTruncPlan(n, pl) : []), [n, 2 * bs - f], ...Array.from({ length: e.t - 1 }, (): [number, number] => [n, f])];
}

function expPartsCost(n: number, e: ExpConfig, fracBits: number, shift: number, tr: TruncRounds): OpCost {
  return parCosts(msbPairCost(n), addCosts(...powersTruncPlan(n, e, fracBits, shift).map(([m, bits]) => truncManyCost(m, tr, bits))));
}

/** The approximation in float64 (no fixed point). */
export function expApprox(x: number, e: ExpConfig = DEFAULT_APPROX_CONFIG.exp): number {
  if (x < e.maskBelow) return 0;
  const y = x / 2 ** e.t;
  let term = 1;
  let base = 1;
  for (let k = 1; k <= e.degree; k++) {
    term *= y / k;
    base += term;
  }
  return base ** (2 ** e.t);
}
