/**
 * 1/x on shares, PUMA/SPU's method (SPU `reciprocal_goldschmidt`):
 *
 *   normalise: m = highest set bit of |x| (ring integer), sf = sign(x)·2^(gi+f−1−m) (highbit.ts),
 *              c = x·sf / 2^gi = |x|·2^(−m−1) ∈ [0.5, 1)    (msbPair 4, then 1 + 2 rounds: x·sf
 *              straight from the comparison bits (weighTimes) into the truncation, while sf's
 *              own b2a runs beside it on a fork)
 *   guess:     w = 2.9142 − 2c ≈ 1/c (|1 − c·w| ≤ 0.086)
 *   scale:     q = w·sf / 2^f ≈ 1/x at gi fractional bits, e = 1 − c·w         (2 rounds, batched)
 *   Goldschmidt, `iterations` times: q ← q·(1 + e), e ← e²                      (2 rounds each, batched)
 *
 * q carries up to 12 guard bits (gi = g + 12 when the input range allows) that the last
 * iteration's truncation drops, so the result is within ~0.6 ulp at g bits.
 *
 * The sign is free: sf carries it (highbit.ts compares against ±2^j in the same msb), c stays
 * positive, and q = w·sf has the sign of x. Multiplying by sf before the iterations (instead of
 * after, as SPU does) saves the final multiplication's 2 rounds. Relative error after 2
 * iterations ≤ 0.086^4 ≈ 5.4e-5, plus the rounding of the result at g bits.
 *
 * Range: by default every input is handled — |x| < 2^−f·2^lo gives 0 (lo = 0: only x = 0), and
 * |x| ≥ 2^g gives 0, which is 1/x to within 1 ulp. Callers that know their range (softmax:
 * Σ ∈ [1, n]) pass it to cut the comparisons. Rounds: 4 + 1 + 2 + 2 + 2·iterations = 13
 * (14 with the comparison bits made replicated first, 15 with the b2a before the normalisation).
 */
import type { OpCost, Party } from '../protocols/context.js';
import { scoped } from '../protocols/context.js';
import { rsubAPScalar, shlA } from '../protocols/arith.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import type { TruncRounds } from './fused-products.js';
import { Acc, fixedInt, pow2, truncMany, truncManyCost } from './fused-products.js';
import { prefetchTuples } from '../protocols/trunc-round1.js';
import { addCosts, branches, parCosts } from '../protocols/context.js';
import type { HighBitPlan } from './highbit.js';
import type { Untruncated } from './highbit.js';
import { highBitComparesOf, highBitComparesOfCost, highBitsB2a, highBitsB2aCost, inputLength, readyInput, weigh, weighTimes, weighTimesCost } from './highbit.js';

export interface ReciprocalOptions {
  /** Inputs are ≥ 0: skip the negative thresholds (half the comparisons). */
  readonly positive?: boolean;
  /** Smallest |x| to invert (real; default one ulp, or 2^(g+f−60−f) if larger). Smaller inputs give 0. */
  readonly minAbs?: number;
  /** Largest |x| (real; default: unbounded — inputs ≥ 2^outScale underflow to 0 anyway). */
  readonly maxAbs?: number;
  /** Fractional bits of the result (default f). */
  readonly outScale?: number;
}

export interface ReciprocalPlan {
  readonly f: number;
  readonly g: number;
  /** Internal scale of q (≥ g: extra bits while iterating, dropped by the last truncation). */
  readonly gi: number;
  readonly hb: HighBitPlan;
  readonly iterations: number;
}

export function planReciprocal(f: number, opts: ReciprocalOptions = {}, iterations = DEFAULT_APPROX_CONFIG.reciprocal.iterations): ReciprocalPlan {
  const g = opts.outScale ?? f;
  // default: down to one ulp, or as low as g output bits allow (q·2^f < 2^61 below)
  const minAbs = opts.minAbs ?? 2 ** (Math.max(0, g + 2 * f - 60) - f);
  if (!(minAbs > 0)) throw new RangeError(`reciprocal: minAbs must be positive, got ${minAbs}`);
  const lo = Math.max(0, Math.floor(Math.log2(minAbs) + f));
  const hiAll = g + f + 1; // m = g + f already underflows
  const hi = opts.maxAbs === undefined ? hiAll : Math.min(hiAll, Math.floor(Math.log2(opts.maxAbs) + f) + 1);
  if (hi <= lo) throw new RangeError(`reciprocal: empty range [${minAbs}, ${opts.maxAbs}]`);
  // q ≤ 2^(gi + f − lo), and q·(1 + e)·2^f, w·sf ≤ 2^(gi + 2f − lo + 0.95) stay below 2^61;
  // c = x·sf < 2^(gi + f)
  const gi = iterations ? Math.min(g + 12, 60 - 2 * f + lo, 61 - f) : g;
  if (gi < g) throw new RangeError(`reciprocal: ${g} output bits overflow for inputs down to ${minAbs} (raise minAbs or lower outScale)`);
  return { f, g, gi, hb: { lo, hi, signed: !opts.positive }, iterations };
}

/** 1/x elementwise (any shape); the result has `outScale` (default f) fractional bits. */
export function fReciprocal(p: Party, x: AShare | Untruncated, opts: ReciprocalOptions = {}, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  const plan = planReciprocal(p.cfg.fracBits, opts, cfg.reciprocal.iterations);
  return scoped(p, 'reciprocal', async () => {
    const { f, g, gi } = plan;
    const n = inputLength(x);
    const sfTable = (m: number): bigint => (m <= g + f - 1 ? pow2(gi + f - 1 - m) : 0n);
    // the guess's and the iterations' tuples (1-round mode), made during the comparisons
    prefetchTuples(p, afterNormTruncPlan(n, plan));
    // an Untruncated x: the comparisons on its 3-of-3 form, its replicated form arriving beside the msb
    const cmp = await highBitComparesOf(p, x, plan.hb);
    const [c, sf] = await branches<[AShare, AShare]>(p, [
      // weighTimes' 3-of-3 shares: Acc.done() adds the zero-sharing the truncation needs
      ['norm', async (q) => (await truncMany(q, [new Acc(q, n).additive(await weighTimes(q, cmp, await readyInput(q, x), sfTable)).done()], gi, 'reciprocal/norm'))[0]],
      ['table', async (q) => weigh(q, await highBitsB2a(q, cmp), sfTable)],
    ]);
    const w = rsubAPScalar(p, fixedInt(2.9142, f), shlA(p, c, 1));
    let [e, q] = await truncMany(
      p,
      [new Acc(p, n).product(c, w, BigInt.asUintN(64, -1n)).constant(pow2(2 * f)).done(), new Acc(p, n).product(w, sf).done()],
      f,
      'reciprocal/guess',
    );
    for (let i = 0; i < plan.iterations; i++) {
      const zs = [new Acc(p, n).product(q, e).linear(q, pow2(f)).done()];
      if (i + 1 < plan.iterations) zs.push(new Acc(p, n).product(e, e).done());
      [q, e] = await truncMany(p, zs, i + 1 < plan.iterations ? f : f + gi - g, 'reciprocal/iter');
    }
    return aShare('s0' in x ? x.shape : [n], q.s0, q.s1);
  });
}

/** `tr`: the truncation mode fReciprocal runs in (the caller's p.truncRounds); early: x given as Untruncated. */
export function fReciprocalCost(n: number, opts: ReciprocalOptions = {}, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18, tr: TruncRounds = 2, early = false): OpCost {
  const plan = planReciprocal(fracBits, opts, cfg.reciprocal.iterations);
  const norm = parCosts(addCosts(weighTimesCost(n, plan.hb), truncManyCost(n, tr, plan.gi)), highBitsB2aCost(n, plan.hb));
  return addCosts(highBitComparesOfCost(n, plan.hb, early), norm, ...afterNormTruncPlan(n, plan).map(([m, bits]) => truncManyCost(m, tr, bits)));
}

/** The guess's and the iterations' truncations in order, [elements, bits] (fReciprocal's loop). */
function afterNormTruncPlan(n: number, { f, g, gi, iterations }: ReciprocalPlan): [number, number][] {
  return [[2 * n, f], ...Array.from({ length: iterations }, (_, i): [number, number] => (i + 1 < iterations ? [2 * n, f] : [n, f + gi - g]))];
}

/** Goldschmidt in float64 (same normalisation, no fixed point). */
export function reciprocalApprox(x: number, iterations = DEFAULT_APPROX_CONFIG.reciprocal.iterations): number {
  if (x === 0) return 0;
  const m = Math.floor(Math.log2(Math.abs(x)));
  const c = Math.abs(x) / 2 ** (m + 1);
  const w = 2.9142 - 2 * c;
  let q = w;
  let e = 1 - c * w;
  for (let i = 0; i < iterations; i++) {
    q *= 1 + e;
    e *= e;
  }
  return (Math.sign(x) * q) / 2 ** (m + 1);
}
