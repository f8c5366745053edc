/**
 * Batched evaluation of several polynomials (degree ≤ 8) of one shared x, at minimal depth:
 *
 *   level 1: x² ; every polynomial of degree ≤ 2 = x·(c2·x) + c1·x + c0
 *   level 2: x⁴, x³ (if needed) ; degree ≤ 4 = x²·(c4·x² + c3·x) + c2·x² + c1·x + c0
 *   level 3: degree ≤ 8 = x⁴·(c8·x⁴ + c7·x³ + c6·x² + c5·x) + x²·(c3·x) + c4·x⁴ + c2·x² + c1·x + c0
 *
 * Each level is ONE truncation of all its items (fused sums of products, see fused-products.ts), so
 * any set of polynomials costs ≤ 3 levels = 6 rounds, and the public coefficients never need a
 * truncation of their own.
 *
 * Scales. x comes at `inScale` fractional bits, results leave at `outScale`. Every polynomial
 * term lands at one common scale Z = ⌊61 − log2(max bound)⌋ before the truncation by
 * Z − outScale, so coefficients are as precise as the ring allows (the sum, not each term, must
 * stay below 2^61). Powers get their own scales σ_k, chosen by exhaustive search over the
 * feasible ones (ring range on their radius, shifts ≥ 0) to minimise an error model: output
 * truncation + coefficient rounding + each power's truncation error times the sensitivity.
 *
 * Values outside a polynomial's `radius` are garbage (callers discard them exactly, see
 * piecewise.ts).
 */
import type { OpCost, Party } from '../protocols/context.js';
import { scoped } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import type { TruncRounds } from './fused-products.js';
import { Acc, fixedInt, pow2, truncMany, truncManyCost } from './fused-products.js';
import { addCosts, NO_COST } from '../protocols/context.js';

export interface PolySpec {
  /** c_0 … c_d (reals, in x). */
  readonly coeffs: readonly number[];
  /** |x| ≤ radius wherever the value is used. */
  readonly radius: number;
  /** |p(x)| ≤ bound there (include some slack). */
  readonly bound: number;
}

type Pow = 1 | 2 | 3 | 4;

interface PlannedPoly {
  spec: PolySpec;
  deg: number;
  level: 1 | 2 | 3;
}

export interface PolyPlan {
  readonly inScale: number;
  readonly outScale: number;
  readonly Z: number;
  readonly polys: readonly PlannedPoly[];
  /** Scale of each power (σ_1 = inScale); absent powers are not computed. */
  readonly sigma: Readonly<Partial<Record<Pow, number>>>;
  /** Truncation bits of levels 1..3 (index 0 unused). */
  readonly T: readonly number[];
  /** Items (powers + polynomials) per level. */
  readonly counts: readonly number[];
  /** Estimated worst absolute error of the fixed-point evaluation (reals). */
  readonly errorEstimate: number;
}

const MAX_SIGMA = 40;
const LIMIT = 61;

const log2c = (v: number): number => (v <= 0 ? -Infinity : Math.log2(v));

function degreeOf(c: readonly number[]): number {
  let d = c.length - 1;
  while (d > 0 && c[d] === 0) d--;
  return d;
}

/** The product terms (power pair, coefficient) of a polynomial at its level. */
function productTerms(pp: PlannedPoly, hasP3: boolean): { a: Pow; b: Pow; c: number }[] {
  const c = (k: number) => pp.spec.coeffs[k] ?? 0;
  const out: { a: Pow; b: Pow; c: number }[] = [];
  const push = (a: Pow, b: Pow, k: number) => {
    if (c(k) !== 0) out.push({ a, b, c: c(k) });
  };
  if (pp.level === 1) push(1, 1, 2);
  if (pp.level === 2) {
    push(2, 2, 4);
    push(2, 1, 3);
  }
  if (pp.level === 3) {
    push(4, 4, 8);
    if (c(7) !== 0 && !hasP3) throw new Error('poly: c7 needs x³');
    push(4, 3, 7);
    push(4, 2, 6);
    push(4, 1, 5);
    push(2, 1, 3);
  }
  return out;
}

export function planPolys(specs: readonly PolySpec[], inScale: number, outScale: number): PolyPlan {
  const polys: PlannedPoly[] = specs.map((spec) => {
    if (spec.coeffs.length === 0 || spec.coeffs.length > 9) throw new RangeError(`poly: 1 to 9 coefficients, got ${spec.coeffs.length}`);
    if (!(spec.radius > 0) || !(spec.bound > 0)) throw new RangeError('poly: radius and bound must be positive');
    const deg = degreeOf(spec.coeffs);
    return { spec, deg, level: deg <= 2 ? 1 : deg <= 4 ? 2 : 3 };
  });
  const maxBound = Math.max(...specs.map((s) => s.bound));
  const Z = Math.min(LIMIT, Math.floor(LIMIT - Math.log2(maxBound)));
  const Tpoly = Z - outScale;
  if (Tpoly < 1 || Tpoly > 62) throw new RangeError(`poly: truncation ${Tpoly} bits out of range (outScale ${outScale}, bound ${maxBound})`);
  const users = (k: Pow) =>
    polys.filter((q) => (k === 2 ? q.level >= 2 : k === 4 ? q.level === 3 : q.level === 3 && (q.spec.coeffs[7] ?? 0) !== 0));
  const M: Partial<Record<Pow, number>> = {};
  for (const k of [2, 3, 4] as const) {
    const u = users(k);
    if (u.length) M[k] = Math.max(...u.map((q) => q.spec.radius)) ** k;
  }
  const hasP3 = M[3] !== undefined;
  const levelOf: Record<Pow, number> = { 1: 0, 2: 1, 3: 2, 4: 2 };
  const polyAt = (L: number) => polys.some((q) => q.level === L);
  const src: Record<2 | 3 | 4, [Pow, Pow]> = { 2: [1, 1], 3: [2, 1], 4: [2, 2] };
  const present = ([2, 3, 4] as const).filter((k) => M[k] !== undefined);
  // Levels' truncations for a σ assignment, or null when a range constraint fails.
  const feasible = (sg: Record<Pow, number>): number[] | null => {
    const T = [0, Tpoly, Tpoly, Tpoly];
    for (const L of [1, 2] as const) {
      const here = present.filter((k) => levelOf[k] === L);
      if (!here.length) continue;
      const sum = (k: 2 | 3 | 4) => sg[src[k][0]] + sg[src[k][1]];
      if (!polyAt(L)) {
        if (here.some((k) => sg[k] > sum(k) - 1)) return null; // no invented precision
        T[L] = Math.max(...here.map((k) => sum(k) - sg[k]));
      }
      for (const k of here) {
        const m = log2c(M[k] as number);
        if (sum(k) + m > LIMIT || sg[k] + T[L] + m > LIMIT || sg[k] + T[L] < sum(k)) return null;
      }
    }
    return T;
  };
  // Error estimate of every polynomial (absolute, on its radius): output truncation, coefficient
  // rounding, and each power's truncation error times the polynomial's sensitivity to it.
  const estimate = (sg: Record<Pow, number>): number => {
    let worst = 0;
    for (const q of polys) {
      const r = q.spec.radius;
      const eps: Record<Pow, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
      eps[2] = 2 ** -sg[2];
      eps[3] = 2 ** -sg[3] + r * eps[2];
      eps[4] = 2 ** -sg[4] + 2 * r * r * eps[2];
      let e = 2 ** -outScale;
      const sens: Record<Pow, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
      for (const t of productTerms(q, hasP3)) {
        e += 0.5 * 2 ** (sg[t.a] + sg[t.b] - Z) * r ** (t.a + t.b);
        sens[t.a] += Math.abs(t.c) * r ** t.b;
        sens[t.b] += Math.abs(t.c) * r ** t.a;
      }
      const lin: [number, Pow][] = q.level === 3 ? [[4, 4], [2, 2]] : q.level === 2 ? [[2, 2]] : [];
      for (const [k, pw] of lin) sens[pw] += Math.abs(q.spec.coeffs[k] ?? 0);
      for (const k of [2, 3, 4] as const) e += sens[k] * eps[k];
      worst = Math.max(worst, e);
    }
    return worst;
  };
  const cand = (k: Pow) => (M[k] === undefined ? [0] : Array.from({ length: MAX_SIGMA - 7 }, (_, i) => 8 + i));
  let best: { sg: Record<Pow, number>; T: number[]; err: number } | null = null;
  for (const s2 of cand(2)) {
    for (const s3 of cand(3)) {
      for (const s4 of cand(4)) {
        const sg: Record<Pow, number> = { 1: inScale, 2: s2, 3: s3, 4: s4 };
        const T = feasible(sg);
        if (!T) continue;
        const err = estimate(sg);
        if (!best || err < best.err) best = { sg, T, err };
      }
    }
  }
  if (!best) throw new RangeError(`poly: no feasible power scales (radius/bound too large for input scale ${inScale})`);
  const sigma: Partial<Record<Pow, number>> = { 1: inScale };
  for (const k of present) sigma[k] = best.sg[k];
  const T = best.T;
  const counts = [0, 0, 0, 0];
  for (const k of [2, 3, 4] as const) if (M[k] !== undefined) counts[levelOf[k]]++;
  for (const q of polys) counts[q.level]++;
  return { inScale, outScale, Z, polys, sigma, T, counts, errorEstimate: best.err };
}

/** Evaluate the planned polynomials at x ([n], at plan.inScale): one AShare [n] per polynomial. */
export function evalPolys(p: Party, x: AShare, plan: PolyPlan): Promise<AShare[]> {
  return scoped(p, 'poly', async () => {
    const n = x.s0.length;
    const { sigma, Z, T } = plan;
    const P: Partial<Record<Pow, AShare>> = { 1: x };
    const s = (k: Pow) => sigma[k] as number;
    const out: AShare[] = new Array(plan.polys.length);
    const polyZ = (q: PlannedPoly): BigUint64Array => {
      const acc = new Acc(p, n);
      const c = (k: number) => q.spec.coeffs[k] ?? 0;
      for (const t of productTerms(q, P[3] !== undefined)) acc.product(P[t.a] as AShare, P[t.b] as AShare, fixedInt(t.c, Z - s(t.a) - s(t.b)));
      const lin: [number, Pow][] = q.level === 3 ? [[4, 4], [2, 2], [1, 1]] : q.level === 2 ? [[2, 2], [1, 1]] : [[1, 1]];
      for (const [k, pw] of lin) if (c(k) !== 0) acc.linear(P[pw] as AShare, fixedInt(c(k), Z - s(pw)));
      acc.constant(BigInt.asUintN(64, fixedInt(c(0), Z)));
      return acc.done();
    };
    for (const L of [1, 2, 3] as const) {
      const zs: BigUint64Array[] = [];
      const powers: Pow[] = [];
      const pow = (k: 2 | 3 | 4, a: Pow, b: Pow) => {
        if (sigma[k] === undefined) return;
        const shift = s(k) + T[L] - s(a) - s(b);
        zs.push(new Acc(p, n).product(P[a] as AShare, P[b] as AShare, pow2(shift)).done());
        powers.push(k);
      };
      if (L === 1) pow(2, 1, 1);
      if (L === 2) {
        pow(4, 2, 2);
        pow(3, 2, 1);
      }
      const idx: number[] = [];
      plan.polys.forEach((q, i) => {
        if (q.level === L) {
          zs.push(polyZ(q));
          idx.push(i);
        }
      });
      if (!zs.length) continue;
      const r = await truncMany(p, zs, T[L], 'poly');
      powers.forEach((k, i) => (P[k] = r[i]));
      idx.forEach((i, j) => (out[i] = r[powers.length + j]));
    }
    return out;
  });
}

export function polysCost(n: number, plan: PolyPlan, tr: TruncRounds = 2): OpCost {
  return addCosts(...plan.counts.map((c, L) => (c ? truncManyCost(c * n, tr, plan.T[L]) : NO_COST)));
}

/** Levels (of 2 rounds) the plan uses. */
export const polyLevels = (plan: PolyPlan): number => plan.counts.filter((c) => c > 0).length;

/** evalPolys' truncations on n inputs, in order: [elements, bits] per level (for prefetchTuples). */
export const polysTruncPlan = (n: number, plan: PolyPlan): [number, number][] =>
  plan.counts.flatMap((c, L) => (c ? [[c * n, plan.T[L]] as [number, number]] : []));
