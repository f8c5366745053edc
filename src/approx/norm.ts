/**
 * LayerNorm and RMSNorm on shares, per row of x [M, D] (PUMA §4.4):
 *
 *   LayerNorm: mean = Σx/D (one truncation per row)                            2 rounds
 *              V = Σ(x − mean)² + D·eps and G = (x − mean)·γ, one truncation  2 rounds
 *              y = G·√D/√V + β  (rsqrt.ts: G·B is computed beside the
 *                                polynomial, the final product is GB·P)      14 rounds
 *   RMSNorm:   V = Σx² + D·eps and G = x·γ, one truncation                    2 rounds
 *              y = G·√D/√V                                                    14 rounds
 *   minus 1: V's truncation is dealt by P0, whose idle second round hides the msb's first
 *   (Party.dealNextToP0): LayerNorm 17 rounds, RMSNorm 15 (18 and 16 before the rsqrt's
 *   normalising product came straight from the comparison bits, highbit.ts weighTimes).
 *
 * The variance is a sum of 3-of-3 products truncated once per row (not once per element), and
 * 1/D is folded into the rsqrt's public table (√D/√(Σ…) = 1/√(mean …)), so no division by D
 * ever loses precision. One rsqrt per row.
 *
 * Ranges (f = 18): |x| ≤ norm.inputBound (config, default 4096) for the mean; the row's
 * Σ(x − mean)² (or Σx²) must stay below 2^(61 − 2f) = 2^25 ≈ 3.3e7, e.g. D = 768 with every
 * |x − mean| ≤ 200 (or a few outliers of ±1000); √D·|γ| < 2^13.5 (|γ| < 420 at D = 768).
 * γ and β are shared tensors [D].
 *
 * `normRows` (everything before the rsqrt) is shared with norm-matmul.ts, which fuses a norm with
 * the matmul after it (2 rounds fewer than fLayerNorm/fRmsNorm then fMatmul).
 */
import type { OpCost, Party } from '../protocols/context.js';
import type { LazyBranch } from '../protocols/context.js';
import type { Untruncated } from './highbit.js';
import { lazyBranch, scoped, withTruncRounds } from '../protocols/context.js';
import { addAA, mulAPScalar, subAA, sumLastA } from '../protocols/arith.js';
import { truncA, truncACost } from '../protocols/trunc.js';
import { checkBelow } from '../protocols/range-check.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import type { TruncRounds } from './fused-products.js';
import { Acc, fixedInt, MSB_AFTER_P0_TRUNC, repeatRows, tileCols, truncMany, truncManyCost } from './fused-products.js';
import { addCosts, NO_COST } from '../protocols/context.js';
import type { RsqrtPlan } from './rsqrt.js';
import { planRsqrt, rsqrtTimes, rsqrtTimesCost } from './rsqrt.js';

/** B's scale in G·B (the rsqrt's normalisation truncation). */
const T1 = 30;

/** Largest row sum Σ(x − mean)² + D·eps (real) the rsqrt handles: 2^(61 − 2f) (2^25 at f = 18). */
export const normVarianceBound = (f: number): number => 2 ** (61 - 2 * f);

/** The same bound as a ring integer at scale f (checked mode tests V < it). */
const varianceBound = (f: number): bigint => 1n << BigInt(61 - f);

function normPlan(f: number, D: number, eps: number): RsqrtPlan {
  if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`norm: eps must be a positive number, got ${eps}`);
  return planRsqrt(f, { scale: Math.sqrt(D), minAbs: (D * eps) / 2, maxAbs: normVarianceBound(f) }, T1);
}

function dims(x: AShare, gamma: AShare, label: string): { M: number; D: number } {
  const D = x.shape[x.shape.length - 1];
  if (!D || gamma.s0.length !== D) throw new RangeError(`${label}: gamma has ${gamma.s0.length} elements for rows of ${D}`);
  return { M: x.s0.length / D, D };
}

/** Σ_row a⊙a + D·eps (scale 2f, one 3-of-3 accumulator) and a⊙γ. */
function varianceAndScale(p: Party, a: AShare, gamma: AShare, M: number, D: number, eps: number): BigUint64Array[] {
  const f = p.cfg.fracBits;
  const v = new Acc(p, M).productRowSum(a, a, D).constant(fixedInt(D * eps, 2 * f)).done();
  const g = new Acc(p, M * D).product(a, tileCols(gamma, M)).done();
  return [v, g];
}

/** x − mean per row (LayerNorm's mean: one truncation per row, 2 rounds: always the dealer truncation). */
async function centre(p: Party, x: AShare, M: number, D: number, cfg: ApproxConfig): Promise<AShare> {
  const f = p.cfg.fracBits;
  const T = 61 - f - Math.ceil(Math.log2(cfg.norm.inputBound)) - 1;
  const mean = await withTruncRounds(p, 2, () => truncA(p, mulAPScalar(p, sumLastA(p, aShare([M, D], x.s0, x.s1)), fixedInt(1 / D, T)), T));
  return subAA(p, aShare([M * D], x.s0, x.s1), repeatRows(mean, new Array<number>(M).fill(D)));
}

/**
 * V = Σ_row a² + D·eps [M] and G = a⊙γ [M·D]. With the dealer truncation: one call dealt by P0
 * (V feeds the rsqrt's msb). With the 1-round truncation (p.truncRounds = 1): V alone in it, and
 * G beside it on the dealer truncation — G is needed only after the msb, and its [M·D] tuples
 * would cost ≈ 130 B per element offline for no round. In that mode V is returned untruncated
 * (its zero-masked 3-of-3 sum at scale 2f, for the rsqrt's comparisons to start on at once) with
 * its 1-round truncation on a lazy branch, taken by the rsqrt's normalisation after the msb.
 */
async function varianceRows(p: Party, a: AShare, gamma: AShare, M: number, D: number, eps: number, label: string): Promise<[AShare | Untruncated, AShare | LazyBranch<AShare>]> {
  const f = p.cfg.fracBits;
  const [v, g] = varianceAndScale(p, a, gamma, M, D, eps);
  if (p.truncRounds === 1) {
    // G and V on branches taken only where they are needed (the rsqrt's table and norm branches, after the msb)
    const G = lazyBranch(p, 'scale', async (q) => (await withTruncRounds(q, 2, () => truncMany(q, [g], f, `${label}/g`)))[0]);
    const x = lazyBranch(p, 'var', async (q) => {
      const [V] = await truncMany(q, [v], f, `${label}/var`);
      checkBelow(q, `${label}/variance`, V, varianceBound(f));
      return V;
    });
    return [{ z: v, shift: f, x }, G];
  }
  p.dealNextToP0(); // V feeds the rsqrt's msb
  const [V, G] = await truncMany(p, [v, g], f, `${label}/var`);
  checkBelow(p, `${label}/variance`, V, varianceBound(f));
  return [V, G];
}

/** varianceRows' cost in truncation mode tr, less the round a P0-dealt 2-round truncation overlaps with the rsqrt's msb. */
const varianceRowsCost = (M: number, D: number, tr: TruncRounds, f: number): OpCost =>
  tr === 1 ? { ...addCosts(truncManyCost(M, 1, f), truncManyCost(M * D)), rounds: 0 } : addCosts(truncManyCost(M + M * D), { rounds: -MSB_AFTER_P0_TRUNC, bytesTotal: 0 }); // 1-round: V's 1 and G's 2 rounds run beside the msb

/** The norms' default truncation mode (cost functions' default, matching DEFAULT_APPROX_CONFIG). */
const TR = DEFAULT_APPROX_CONFIG.norm.truncRounds;

/** LayerNorm over the last axis of x [..., D]; gamma, beta: shared [D]. */
export function fLayerNorm(p: Party, x: AShare, gamma: AShare, beta: AShare, eps: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  return scoped(p, 'layerNorm', async () => {
    const f = p.cfg.fracBits;
    const { M, D } = dims(x, gamma, 'layerNorm');
    if (beta.s0.length !== D) throw new RangeError(`layerNorm: beta has ${beta.s0.length} elements for rows of ${D}`);
    const plan = normPlan(f, D, eps);
    const xc = await centre(p, x, M, D, cfg);
    const y = await withTruncRounds(p, cfg.norm.truncRounds, () => layerNormCentered(p, xc, gamma, beta, M, D, eps, plan));
    return aShare(x.shape, y.s0, y.s1);
  });
}

/** `tr`: cfg.norm.truncRounds of the call. */
export function fLayerNormCost(M: number, D: number, eps: number, fracBits = 18, tr: TruncRounds = TR): OpCost {
  return addCosts(truncACost(M), layerNormCenteredCost(M, D, eps, fracBits, tr));
}

/**
 * LayerNorm's steps after the mean, on centred rows xc [M·D] (scale f): V and G in one truncation,
 * then G·√D/√V + β. LayerNorm is scale-free in xc (G and √V scale alike), so a caller may pass
 * c·(x − mean) with eps·c² (residual-norm.ts). `plan` = normPlan(f, D, eps) when given.
 */
export async function layerNormCentered(p: Party, xc: AShare, gamma: AShare, beta: AShare, M: number, D: number, eps: number, plan?: RsqrtPlan): Promise<AShare> {
  const pl = plan ?? normPlan(p.cfg.fracBits, D, eps);
  const [V, G] = await varianceRows(p, xc, gamma, M, D, eps, 'layerNorm');
  return addAA(p, await rsqrtTimes(p, V, G, D, pl), tileCols(beta, M));
}

/** layerNormCentered runs in the caller's truncation mode `tr`. */
export function layerNormCenteredCost(M: number, D: number, eps: number, fracBits = 18, tr: TruncRounds = 2): OpCost {
  return addCosts(varianceRowsCost(M, D, tr, fracBits), rsqrtTimesCost(M, D, normPlan(fracBits, D, eps), tr, tr === 1));
}

/** RMSNorm over the last axis of x [..., D]; gamma: shared [D]. */
export function fRmsNorm(p: Party, x: AShare, gamma: AShare, eps: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  return scoped(p, 'rmsNorm', () =>
    withTruncRounds(p, cfg.norm.truncRounds, async () => {
      const { M, D } = dims(x, gamma, 'rmsNorm');
      const plan = normPlan(p.cfg.fracBits, D, eps);
      const [V, G] = await varianceRows(p, aShare([M * D], x.s0, x.s1), gamma, M, D, eps, 'rmsNorm');
      const y = await rsqrtTimes(p, V, G, D, plan);
      return aShare(x.shape, y.s0, y.s1);
    }),
  );
}

/** `tr`: cfg.norm.truncRounds of the call. */
export function fRmsNormCost(M: number, D: number, eps: number, fracBits = 18, tr: TruncRounds = TR): OpCost {
  return addCosts(varianceRowsCost(M, D, tr, fracBits), rsqrtTimesCost(M, D, normPlan(fracBits, D, eps), tr, tr === 1));
}

/**
 * How normRows treats x: 'layer' subtracts the row mean (LayerNorm), 'centred' takes x as
 * already centred (LayerNorm after its mean, as layerNormCentered), 'rms' uses x as it is.
 */
export type NormMode = 'layer' | 'centred' | 'rms';

/** The rows' variance sums V [M] (scale f) and G = (x − mean)·γ (or x·γ) [M·D], for the rsqrt. */
export interface NormRows {
  readonly M: number;
  readonly D: number;
  readonly plan: RsqrtPlan;
  readonly V: AShare | Untruncated;
  /** A lazy branch while its truncation runs beside the msb (1-round mode, see varianceRows); V then Untruncated. */
  readonly G: AShare | LazyBranch<AShare>;
}

/** Everything before the rsqrt (norm-matmul.ts), under the caller's scope; `label` names the truncation tags. */
export async function normRows(p: Party, x: AShare, gamma: AShare, eps: number, mode: NormMode, label: string, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<NormRows> {
  const { M, D } = dims(x, gamma, label);
  const plan = normPlan(p.cfg.fracBits, D, eps);
  const a = mode === 'layer' ? await centre(p, x, M, D, cfg) : aShare([M * D], x.s0, x.s1);
  const [V, G] = await varianceRows(p, a, gamma, M, D, eps, label);
  return { M, D, plan, V, G };
}

/** normRows' cost in the caller's truncation mode `tr` (the mean's truncation always 2 rounds). */
export function normRowsCost(M: number, D: number, mode: NormMode, tr: TruncRounds = 2, fracBits = 18): OpCost {
  return addCosts(mode === 'layer' ? truncACost(M) : NO_COST, varianceRowsCost(M, D, tr, fracBits));
}

/** The norm's rsqrt plan (public: D, eps and f). */
export const normRowsPlan = (D: number, eps: number, fracBits = 18): RsqrtPlan => normPlan(fracBits, D, eps);
