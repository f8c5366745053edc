/**
 * 1/√x on shares (x > 0), PUMA §4.4 / SPU's rsqrt without Newton steps:
 *
 *   m = highest set bit of x (ring integer); u = x·2^(−m−2) ∈ [0.25, 0.5)        (highbit.ts + 2 rounds)
 *   P(u) = 26.02942339u⁴ − 49.86605845u³ + 38.4714796u² − 15.47994394u + 4.14285016 ≈ u^(−1/2)
 *                                                                                    (poly.ts, 2 levels)
 *   1/√x = P(u)·B(m),  B(m) = s·2^(−(m+2−f)/2)                                       (2 rounds)
 *
 * B is one public table weighed from the same comparison bits as the normaliser 2^(−m−2), so
 * the odd-exponent √2 factor (SPU builds it from separate even/odd bit sums) and any public
 * scale s (LayerNorm's √D) cost nothing. The polynomial's relative error is 8.2e-5.
 *
 * `rsqrtTimes` returns G·(s/√x) for a row vector x [M] and G [M, D] (the norms): G·B is
 * computed beside the polynomial, so the final product G·B·P replaces both the B·P
 * multiplication and the norm's scaling: one level less than rsqrt followed by a multiply.
 *
 * The normaliser never exists as a share: u = x·A comes from the comparison bits in one round
 * (highbit.ts weighTimes, a 3-of-3 sharing straight into the truncation), while B's b2a (and
 * G·B's truncation) run on a fork beside u's truncation and the polynomial:
 *
 *   msbPair 4 ─┬─ x·A 1 ─ trunc 2 ─ P(u) 4 ─┬─ ·B or ·GB 2
 *              └─ b2aPair 2 ─ [G·B trunc 2] ─┘
 *
 * (the comparison bits stay P1/P2's 2-of-2 sharing, pair-mux.ts). Rounds: rsqrt 4 + 1 + 2 + 4 + 2
 * = 13 (14 with the bits made replicated first, 15 with b2a before the normalisation); rsqrtTimes the
 * same, with the multiply included.
 *
 * `core` and `coreCost` are exported for norm-matmul.ts, which runs a matmul on G·B at the end of
 * the table fork (`after`: 2 + 2 + 2 rounds, still within the norm fork's 7) and scales its
 * [M, N] result by P instead of G·B's [M, D].
 * Range: x ≥ minAbs (default one ulp; smaller inputs give 0, so keep it true), and by default
 * any large x (1/√x underflows to 0 for x ≥ 2^(2g)).
 */
import type { OpCost, Party } from '../protocols/context.js';
import { scoped } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { TruncRounds } from './fused-products.js';
import { Acc, pow2, repeatRows, truncMany, truncManyCost } from './fused-products.js';
import { addCosts, branches, LazyBranch, parCosts } from '../protocols/context.js';
import type { HighBitPlan, Untruncated } from './highbit.js';
import { highBitComparesOf, highBitComparesOfCost, highBitsB2a, highBitsB2aCost, inputLength, readyInput, weigh, weighTimes, weighTimesCost } from './highbit.js';
import type { PolyPlan } from './poly.js';
import { evalPolys, planPolys, polysCost, polysTruncPlan } from './poly.js';
import { prefetchTuples, startTuples, useTuples } from '../protocols/trunc-round1.js';

/** PUMA's degree-4 fit of u^(−1/2) on [0.25, 0.5) (ascending). */
export const RSQRT_POLY = Object.freeze([4.14285016, -15.47994394, 38.4714796, -49.86605845, 26.02942339]);

export interface RsqrtOptions {
  /** Smallest x (real, > 0) to handle; default one ulp (a few ulp for f > 18). Smaller x give 0. */
  readonly minAbs?: number;
  /** Largest x (real); default: unbounded (1/√x underflows to 0 beyond 2^(2f)). */
  readonly maxAbs?: number;
  /** Public factor s: the result is s/√x (e.g. √D for LayerNorm over a sum of squares). */
  readonly scale?: number;
  /** Fractional bits of fRsqrt's result (default f). */
  readonly outScale?: number;
}

export interface RsqrtPlan {
  readonly f: number;
  readonly g: number;
  readonly scale: number;
  readonly hb: HighBitPlan;
  /** Scale of u, truncation bits of the normalisation level, scale of P, scale of B (alone). */
  readonly su: number;
  readonly t1: number;
  readonly sP: number;
  readonly sB: number;
  readonly poly: PolyPlan;
  /** First octave m whose 1/√x underflows (B = 0 from there on). */
  readonly mZero: number;
}

const plans = new Map<string, RsqrtPlan>();

/** t1: truncation of the normalisation level (= B's scale when multiplied in the same level). */
export function planRsqrt(f: number, opts: RsqrtOptions = {}, t1Fixed?: number): RsqrtPlan {
  const key = JSON.stringify([f, opts, t1Fixed]);
  const hit = plans.get(key);
  if (hit) return hit;
  const g = opts.outScale ?? f;
  const scale = opts.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`rsqrt: scale must be positive, got ${scale}`);
  // B·P < 2^59 with B ≤ s·2^((f−2−lo)/2): P gets sP bits, B the rest (≥ g + 2 for fRsqrt).
  const room = (lo: number) => 59 - Math.ceil(Math.log2(2.1 * scale * 2 ** ((f - 2 - lo) / 2)));
  let loDefault = 0; // default: down to one ulp, or as low as the output precision allows
  while (t1Fixed === undefined && room(loDefault) - (g + 2) < f + 4 && loDefault < 2 * f) loDefault++;
  const minAbs = opts.minAbs ?? 2 ** (loDefault - f);
  if (!(minAbs > 0)) throw new RangeError(`rsqrt: minAbs must be positive, got ${minAbs}`);
  const lo = Math.max(0, Math.floor(Math.log2(minAbs) + f));
  const mZero = 2 * g + f; // x ≥ 2^(2g): 1/√x ≤ 2^−g, within an ulp of 0
  const hi = Math.min(61, mZero + 1, opts.maxAbs === undefined ? Infinity : Math.floor(Math.log2(opts.maxAbs) + f) + 1);
  if (hi <= lo) throw new RangeError(`rsqrt: empty range [${minAbs}, ${opts.maxAbs}]`);
  const su = f + 6;
  const t1 = t1Fixed ?? Math.max(1, hi + 1 - su);
  if (hi + 1 - su > t1 || su + t1 > 62) throw new RangeError(`rsqrt: normalisation of ${hi} bits does not fit (t1 = ${t1})`);
  const sP = t1Fixed === undefined ? Math.min(f + 8, room(lo) - (g + 2)) : f + 8;
  const sB = room(lo) - sP; // checked by fRsqrt
  if (sP < f) throw new RangeError(`rsqrt: inputs down to ${minAbs} leave too few bits for the result (raise minAbs)`);
  const poly = planPolys([{ coeffs: RSQRT_POLY, radius: 0.5, bound: 2.05 }], su, sP);
  const plan: RsqrtPlan = { f, g, scale, hb: { lo, hi, signed: false }, su, t1, sP, sB, poly, mZero };
  plans.set(key, plan);
  return plan;
}

/** B(m) = s·2^(−(m+2−f)/2) at `bits` fractional bits (0 from mZero on). */
function bTable(plan: RsqrtPlan, bits: number): (m: number) => bigint {
  return (m) => (m >= plan.mZero ? 0n : BigInt(Math.round(plan.scale * 2 ** (bits - (m + 2 - plan.f) / 2))));
}

/**
 * Shared steps: the comparisons, then on two forks (a) u = x·A (weighTimes, truncated) and P(u),
 * (b) B (at scale t1 with G, else sB) and, with G [n·cols], GB = G·B (scale of G). GB is
 * undefined without G. With G, `after(q, GB)` continues fork (b); its result is `side`.
 */
export async function core<R = undefined>(p: Party, xIn: AShare | Untruncated, plan: RsqrtPlan, G: AShare | LazyBranch<AShare> | null, cols: number, after?: (q: Party, GB: AShare) => Promise<R>) {
  const n = inputLength(xIn);
  // 1-round mode: the forks' tuples started now, during the comparisons (none in 2-round mode)
  const round1 = p.truncRounds === 1;
  const normEarly = round1 ? startTuples(p, [[n, plan.t1], ...polysTruncPlan(n, plan.poly)]) : [];
  const gbEarly = round1 && G ? startTuples(p, [[n * cols, plan.t1]]) : [];
  const cmp = await highBitComparesOf(p, xIn, plan.hb);
  const [P, [B, GB, side]] = await branches<[AShare, [AShare, AShare | undefined, R | undefined]]>(p, [
    [
      'norm',
      async (q) => {
        const x = await readyInput(q, xIn); // an Untruncated's truncation ran beside the msb
        useTuples(q, normEarly);
        // weighTimes' 3-of-3 shares: Acc.done() adds the zero-sharing the truncation needs
        const z = new Acc(q, n).additive(await weighTimes(q, cmp, x, (m) => pow2(plan.su + plan.t1 - m - 2))).done();
        const [u] = await truncMany(q, [z], plan.t1, 'rsqrt/norm');
        return (await evalPolys(q, u, plan.poly))[0];
      },
    ],
    [
      'table',
      async (q) => {
        const B = weigh(q, await highBitsB2a(q, cmp), bTable(plan, G ? plan.t1 : plan.sB));
        if (!G) return [B, undefined, undefined];
        const g = G instanceof LazyBranch ? await G.take(q) : G; // may still be truncating on the caller's branch
        useTuples(q, gbEarly);
        const [GB] = await truncMany(q, [new Acc(q, g.s0.length).product(g, repeatRows(B, new Array<number>(n).fill(cols))).done()], plan.t1, 'rsqrt/gb');
        return [B, GB, after ? await after(q, GB) : undefined];
      },
    ],
  ]);
  return { B, P, GB: GB as AShare, side };
}

/** core's cost; gbElements: size of G (0 without G); after: the cost of core's `after`; early: x given as Untruncated (the comparisons' cost only: x's truncation is the caller's). */
export function coreCost(n: number, plan: RsqrtPlan, gbElements: number, after?: OpCost, tr: TruncRounds = 2, early = false): OpCost {
  const norm = addCosts(weighTimesCost(n, plan.hb), truncManyCost(n, tr, plan.t1), polysCost(n, plan.poly, tr));
  const table = gbElements ? addCosts(highBitsB2aCost(n, plan.hb), truncManyCost(gbElements, tr, plan.t1), ...(after ? [after] : [])) : highBitsB2aCost(n, plan.hb);
  return addCosts(highBitComparesOfCost(n, plan.hb, early), parCosts(norm, table));
}

/** s/√x elementwise (x > 0, any shape), with `outScale` (default f) fractional bits. */
export function fRsqrt(p: Party, x: AShare, opts: RsqrtOptions = {}): Promise<AShare> {
  const plan = planRsqrt(p.cfg.fracBits, opts);
  return scoped(p, 'rsqrt', async () => {
    const n = x.s0.length;
    const { B, P } = await core(p, aShare([n], x.s0, x.s1), plan, null, 0);
    const [y] = await truncMany(p, [new Acc(p, n).product(B, P).done()], plan.sB + plan.sP - plan.g, 'rsqrt/scale');
    return aShare(x.shape, y.s0, y.s1);
  });
}

export function fRsqrtCost(n: number, opts: RsqrtOptions = {}, fracBits = 18, tr: TruncRounds = 2): OpCost {
  const plan = planRsqrt(fracBits, opts);
  return addCosts(coreCost(n, plan, 0, undefined, tr), truncManyCost(n, tr, plan.sB + plan.sP - plan.g));
}

/**
 * G ⊙ (s/√x) broadcast per row: x [M] (> 0, scale f), G [M·D] (scale f) → [M·D] at scale f.
 * `t1` = B's scale in G·B; |G|·s/√x·2^(f + t1) must stay below 2^61.
 */
export function rsqrtTimes(p: Party, x: AShare | Untruncated, G: AShare | LazyBranch<AShare>, D: number, plan: RsqrtPlan): Promise<AShare> {
  return scoped(p, 'rsqrt', async () => {
    const M = inputLength(x);
    prefetchTuples(p, [[M * D, plan.sP]]); // the final scaling's (1-round mode), made during core
    const { P, GB } = await core(p, x, plan, G, D);
    const [y] = await truncMany(p, [new Acc(p, M * D).product(GB, repeatRows(P, new Array<number>(M).fill(D))).done()], plan.sP, 'rsqrt/scale');
    return y;
  });
}

/** early: x given as Untruncated (see core). */
export function rsqrtTimesCost(M: number, D: number, plan: RsqrtPlan, tr: TruncRounds = 2, early = false): OpCost {
  return addCosts(coreCost(M, plan, M * D, undefined, tr, early), truncManyCost(M * D, tr, plan.sP));
}

/** The approximation in float64 (normalisation + polynomial, no fixed point). */
export function rsqrtApprox(x: number): number {
  const m = Math.floor(Math.log2(x));
  const u = x / 2 ** (m + 2);
  let s = 0;
  for (let k = RSQRT_POLY.length - 1; k >= 0; k--) s = s * u + RSQRT_POLY[k];
  return s * 2 ** (-(m + 2) / 2);
}
