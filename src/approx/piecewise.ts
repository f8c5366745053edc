/**
 * Piecewise polynomial functions on shares (the engine under GeLU and SiLU):
 *
 *   pieces V_0 … V_K on the segments (−∞, t_0), [t_0, t_1), …, [t_{K−1}, ∞),
 *   b_j = [x < t_j] — all K comparisons in ONE msb pass, the bits left as P1/P2's 2-of-2 sharing,
 *   y = V_K + Σ_j b_j·(V_j − V_{j+1}) — all K selections in ONE mulA1BPair call (pair-mux.ts:
 *   24 B per selection instead of mulA1B's 64; the same 2 rounds after the polynomials).
 *
 * The identity holds exactly in the ring (the selection is exact), so a polynomial's garbage outside
 * its segment (overflowed powers, truncation of out-of-range values) cancels exactly. The
 * polynomials are evaluated together by poly.ts (≤ 3 levels).
 *
 * The comparisons and the polynomials only read x, so they run as two concurrent branches
 * (Party.fork: 'segments' and 'powers') and share their rounds.
 *
 * Cost: max(msbPair(K·n), polys) + mulA1BPair(K·n): max(4, 2·levels) + 2 rounds (was 8 + 2·levels + 2).
 */
import type { OpCost, Party } from '../protocols/context.js';
import { branches, scoped } from '../protocols/context.js';
import { msbPair, msbPairCost } from '../protocols/msb.js';
import { mulA1BPair, mulA1BPairCost } from '../protocols/pair-mux.js';
import { withoutRangeCheck } from '../protocols/range-check.js';
import { addAA, subAA, negA } from '../protocols/arith.js';
import type { AShare } from '../protocols/share.js';
import { aShare, concatA, splitA } from '../protocols/share.js';
import { fixedInt } from './fused-products.js';
import { addCosts, NO_COST, parCosts } from '../protocols/context.js';
import type { PolyPlan } from './poly.js';
import { evalPolys, planPolys, polysCost } from './poly.js';

export type Piece = { readonly kind: 'zero' } | { readonly kind: 'identity' } | { readonly kind: 'poly'; readonly coeffs: readonly number[] };

export interface PiecewiseSpec {
  /** Meter label ('gelu', 'silu'). */
  readonly name: string;
  /** Ascending breakpoints t_0 < … < t_{K−1}. */
  readonly breaks: readonly number[];
  /** K + 1 pieces; polynomial pieces must lie on bounded segments. */
  readonly pieces: readonly Piece[];
}

export interface PiecewisePlan {
  readonly spec: PiecewiseSpec;
  readonly breaksInt: readonly bigint[];
  readonly poly: PolyPlan | null;
  /** Index into the polynomial results for each piece (−1 for zero/identity). */
  readonly polyIndex: readonly number[];
}

/** Evaluate a polynomial (reals) at x (Horner). */
export function polyAt(c: readonly number[], x: number): number {
  let s = 0;
  for (let k = c.length - 1; k >= 0; k--) s = s * x + c[k];
  return s;
}

/** A safe bound on |p| over [lo, hi] (sampled, with slack). */
export function polyBound(c: readonly number[], lo: number, hi: number): number {
  let m = 0;
  for (let i = 0; i <= 4000; i++) m = Math.max(m, Math.abs(polyAt(c, lo + ((hi - lo) * i) / 4000)));
  return m * 1.05 + 2 ** -8;
}

export function planPiecewise(spec: PiecewiseSpec, fracBits: number): PiecewisePlan {
  const K = spec.breaks.length;
  if (spec.pieces.length !== K + 1) throw new RangeError(`${spec.name}: ${K} breakpoints need ${K + 1} pieces, got ${spec.pieces.length}`);
  for (let j = 1; j < K; j++) if (!(spec.breaks[j] > spec.breaks[j - 1])) throw new RangeError(`${spec.name}: breakpoints must ascend`);
  const specs: { coeffs: readonly number[]; radius: number; bound: number }[] = [];
  const polyIndex = spec.pieces.map((pc, i) => {
    if (pc.kind !== 'poly') return -1;
    if (i === 0 || i === K) throw new RangeError(`${spec.name}: polynomial piece ${i} lies on an unbounded segment`);
    const lo = spec.breaks[i - 1];
    const hi = spec.breaks[i];
    specs.push({ coeffs: pc.coeffs, radius: Math.max(Math.abs(lo), Math.abs(hi)), bound: polyBound(pc.coeffs, lo, hi) });
    return specs.length - 1;
  });
  return {
    spec,
    breaksInt: spec.breaks.map((t) => fixedInt(t, fracBits)),
    poly: specs.length ? planPolys(specs, fracBits, fracBits) : null,
    polyIndex,
  };
}

/** y = f(x) elementwise for a planned piecewise function (x at the ring's f). */
export function piecewise(p: Party, x: AShare, plan: PiecewisePlan): Promise<AShare> {
  return scoped(p, plan.spec.name, async () => {
    const n = x.s0.length;
    const flatX = aShare([n], x.s0, x.s1);
    const K = plan.breaksInt.length;
    // all comparisons: x − t_j < 0, j-major
    const s0 = new BigUint64Array(K * n);
    const s1 = new BigUint64Array(K * n);
    plan.breaksInt.forEach((t, j) => {
      const d0 = s0.subarray(j * n, (j + 1) * n);
      const d1 = s1.subarray(j * n, (j + 1) * n);
      d0.set(x.s0);
      d1.set(x.s1);
      if (p.id === 0) p.k.addScalar(d0, d0, BigInt.asUintN(64, -t));
      if (p.id === 2) p.k.addScalar(d1, d1, BigInt.asUintN(64, -t));
    });
    const poly = plan.poly;
    // outside its segment a polynomial may overflow; those lanes are discarded exactly below,
    // so checked mode does not test them (range-check.ts)
    const [bits, polys] = await branches<[BigUint64Array | null, AShare[]]>(p, [
      ['segments', (q) => msbPair(q, aShare([K * n], s0, s1))],
      ['powers', (q) => (poly ? withoutRangeCheck(q, () => evalPolys(q, flatX, poly)) : Promise.resolve([]))],
    ]);
    const V = plan.spec.pieces.map((pc, i): AShare | null => (pc.kind === 'zero' ? null : pc.kind === 'identity' ? flatX : polys[plan.polyIndex[i]]));
    const diff = (a: AShare | null, b: AShare | null): AShare => {
      if (a && b) return subAA(p, a, b);
      if (a) return a;
      if (b) return negA(p, b);
      return aShare([n], new BigUint64Array(n), new BigUint64Array(n));
    };
    const diffs: AShare[] = [];
    for (let j = 0; j < K; j++) diffs.push(diff(V[j], V[j + 1]));
    const sel = splitA((await mulA1BPair(p, bits, K * n, [concatA(diffs)], `${plan.spec.name}/sel`))[0], diffs.map(() => [n]));
    let y = V[K] ?? aShare([n], new BigUint64Array(n), new BigUint64Array(n));
    for (const s of sel) y = addAA(p, y, s);
    return aShare(x.shape, y.s0, y.s1);
  });
}

export function piecewiseCost(n: number, plan: PiecewisePlan): OpCost {
  const K = plan.breaksInt.length;
  return addCosts(parCosts(msbPairCost(K * n), plan.poly ? polysCost(n, plan.poly) : NO_COST), mulA1BPairCost(K * n));
}

/** The same function in float64 (no fixed point): for references and the plain backend. */
export function piecewisePlain(spec: PiecewiseSpec, x: number): number {
  let i = 0;
  while (i < spec.breaks.length && x >= spec.breaks[i]) i++;
  const pc = spec.pieces[i];
  return pc.kind === 'zero' ? 0 : pc.kind === 'identity' ? x : polyAt(pc.coeffs, x);
}
