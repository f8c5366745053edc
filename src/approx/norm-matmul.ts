/**
 * A norm followed by a matmul, fused: norm(x)·W for x [M, D] and W [D, N] (or [N, D] with
 * transB), where norm is LayerNorm (β given) or RMSNorm. The norm is G ⊙ s per row plus β, with
 * G = (x − mean)·γ (or x·γ) and s = √D/√V one scalar per row; a per-row scalar commutes with
 * right-multiplication, so
 *
 *   norm(x)·W = s ⊙_row (G·W) + β·W.
 *
 * The rsqrt (rsqrt.ts core) forks after its comparisons: one fork computes u and the polynomial
 * P(u) (1 + 2 + 4 rounds), the other B's table and G·B (2 + 2), with s = B·P. The matmul on G·B
 * goes at the end of that second fork, within the first's rounds:
 *
 *   mean 2, V and G 2 (− 1 overlapping the msb), msb 5                               (norm.ts)
 *   u 1, trunc 2, P(u) 4   ‖   b2a 2, G·B 2, GBW = G·B·W truncated to scale f 2       (rsqrt.ts)
 *   y = GBW ⊙_row P + β·W, one truncation by sP                                      2 rounds
 *
 * so the matmul's 2 rounds disappear: 2 rounds fewer than fLayerNorm then fMatmul. β·W is a
 * local 3-of-3 product (scale 2f) added, scaled by 2^(sP − f), into the final truncation: no extra
 * round or byte. The price is bytes: the final truncation covers [M, N] instead of [M, D] (per
 * element 48 B online and 16 B offline, trunc.ts).
 *
 * Metering: everything up to and including P ‖ GBW is under the norm's label ('layerNorm' or
 * 'rmsNorm'; GBW as 'rsqrt/table/matmul'), the final row scaling under `outLabel` ('matmul', or
 * 'lmHead' for the LM head), so a model's op classes keep their meaning.
 *
 * Ranges (f = 18, sP = f + 8): those of norm.ts, and the output |norm(x)·W| < 2^(62 − f − sP) =
 * 2^18 (the final truncation's input at scale f + sP); |G·B·W| < 2^(62 − 2f) like any matmul.
 *
 * Security: no new message pattern. The three truncations (the norm's, fMatmul's, the final one)
 * are truncAdditive on 3-of-3 sums that each carry a fresh zero-sharing from mulLocal/matmulLocal
 * (the final one: the GBW⊙P product's, which also masks the β·W term reused from a cache across
 * tokens), so the dealer's clear 3-of-3 share is uniformly masked;
 * highbit's comparisons, weighTimes and b2a, and the polynomial, are the existing protocols unchanged.
 */
import type { OpCost, Party } from '../protocols/context.js';
import { addCosts, scoped, withTruncRounds } from '../protocols/context.js';
import type { TruncRounds } from './fused-products.js';
import { matmulDims, matmulLocal } from '../protocols/arith.js';
import { fMatmul, fMatmulCost } from '../protocols/fixed.js';
import { startTuples, useTuples } from '../protocols/trunc-round1.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG, productTruncRounds } from './config.js';
import { Acc, pow2, repeatRows, truncMany, truncManyCost } from './fused-products.js';
import { normRows, normRowsCost, normRowsPlan, type NormMode } from './norm.js';
import { core, coreCost } from './rsqrt.js';

/** The norm before the matmul: LayerNorm when `beta` is given, RMSNorm otherwise. */
export interface NormSpec {
  readonly gamma: AShare;
  readonly beta?: AShare;
  readonly eps: number;
  /** LayerNorm only: x is already centred (the mean's 2 rounds done elsewhere: residual-norm.ts). */
  readonly centred?: boolean;
}

/** normRows' mode for a NormSpec. */
export const normModeOf = (norm: Pick<NormSpec, 'beta' | 'centred'>): NormMode => (norm.beta === undefined ? 'rms' : norm.centred ? 'centred' : 'layer');

/**
 * norm(x)·W (transB: norm(x)·Wᵀ) → [..., N] at scale f; x [..., D], γ and β shared [D]. The
 * final row scaling runs under `outLabel`, the rest under 'layerNorm' / 'rmsNorm'.
 */
export async function fNormMatmul(p: Party, x: AShare, norm: NormSpec, W: AShare, transB = false, outLabel = 'matmul', cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  const mode = normModeOf(norm);
  const label = mode === 'rms' ? 'rmsNorm' : 'layerNorm';
  const D = x.shape[x.shape.length - 1];
  const M = x.s0.length / D;
  const { N } = matmulDims([M, D], W.shape, transB); // throws on a shape mismatch before any message
  if (norm.beta && norm.beta.s0.length !== D) throw new RangeError(`${label}: beta has ${norm.beta.s0.length} elements for rows of ${D}`);
  // the norm's chain in cfg.norm.truncRounds' protocol; both [M, N] products (G·B·W and the row
  // scaling) in productTruncRounds': the dealer's 2 rounds when large (the tuples' bytes would
  // outweigh a round), 1 round when small (the decode step)
  const ptr = productTruncRounds(M * N, cfg);
  const { P, GBW, plan, early } = await scoped(p, label, () => withTruncRounds(p, cfg.norm.truncRounds, async () => {
    // 1 round: both products' tuples made now, during the norm's chain, not after the table
    // (metered here, under the norm's label: fNormMatmulNormCost)
    const early = ptr === 1 ? startTuples(p, productTuplesPlan(M * N, D, norm.eps, p.cfg.fracBits)) : null;
    const rows = await normRows(p, x, norm.gamma, norm.eps, mode, label, cfg);
    // G·B (scale f) · W truncated to scale f at the end of the rsqrt's table fork, beside u and P(u)
    const r = await scoped(p, 'rsqrt', () => core(p, rows.V, rows.plan, rows.G, D, (q, GB) => scoped(q, 'matmul', () => withTruncRounds(q, ptr, () => {
      if (early) useTuples(q, early.slice(0, 1));
      return fMatmul(q, aShare([M, D], GB.s0, GB.s1), W, transB);
    }))));
    const gbw = r.side as AShare;
    return { P: r.P, GBW: aShare([M * N], gbw.s0, gbw.s1), plan: rows.plan, early };
  }));
  return scoped(p, outLabel, async () => {
    const acc = new Acc(p, M * N).product(GBW, repeatRows(P, new Array<number>(M).fill(N)));
    if (norm.beta) {
      const z = await betaTimesW(p, norm.beta, W, transB, plan.sP);
      for (let r = 0; r < M; r++) {
        const row = acc.z.subarray(r * N, (r + 1) * N);
        p.k.add(row, row, z);
      }
    }
    if (early) useTuples(p, early.slice(1));
    const [y] = await withTruncRounds(p, ptr, () => truncMany(p, [acc.done()], plan.sP, `${label}Matmul/scale`));
    return aShare([...x.shape.slice(0, -1), N], y.s0, y.s1);
  });
}

/**
 * β·W as this party's 3-of-3 share at the row scaling's scale f + sP ([N], local). β and W are
 * weights, so it is computed once per session (Party) and pair: a decode step would otherwise
 * redo a [1, D]·[D, N] product as large as its matmul (the LM head: N = V). The three parties
 * hit or miss the cache in lock-step (same program), so their PRSS draws stay aligned.
 */
const betaWCache = new WeakMap<Party, WeakMap<AShare, WeakMap<AShare, { transB: boolean; z: BigUint64Array }>>>();

async function betaTimesW(p: Party, beta: AShare, W: AShare, transB: boolean, sP: number): Promise<BigUint64Array> {
  const byW = betaWCache.get(p) ?? new WeakMap<AShare, WeakMap<AShare, { transB: boolean; z: BigUint64Array }>>();
  betaWCache.set(p, byW);
  const byBeta = byW.get(W) ?? new WeakMap<AShare, { transB: boolean; z: BigUint64Array }>();
  byW.set(W, byBeta);
  const hit = byBeta.get(beta);
  if (hit && hit.transB === transB) return hit.z;
  const { z } = await matmulLocal(p, aShare([1, beta.s0.length], beta.s0, beta.s1), W, transB); // scale 2f
  p.k.mulScalar(z, z, pow2(sP - p.cfg.fracBits));
  byBeta.set(beta, { transB, z });
  return z;
}

/** The two [M, N] products' truncations, [elements, bits]: G·B·W's (f), the row scaling's (sP). */
const productTuplesPlan = (MN: number, D: number, eps: number, f: number): [number, number][] => [[MN, f], [MN, normRowsPlan(D, eps, f).sP]];

/**
 * The part of fNormMatmul under the norm's label (through P ‖ G·B·W). `tr`: cfg.norm.truncRounds;
 * `ptr`: the [M, N] products' mode, productTruncRounds(M·N, cfg). With ptr = 1 both products'
 * tuples are made (and metered) here.
 */
export function fNormMatmulNormCost(M: number, D: number, N: number, eps: number, mode: NormMode, fracBits = 18, tr: TruncRounds = DEFAULT_APPROX_CONFIG.norm.truncRounds, ptr: TruncRounds = 2): OpCost {
  const chain = addCosts(normRowsCost(M, D, mode, tr, fracBits), coreCost(M, normRowsPlan(D, eps, fracBits), M * D, fMatmulCost(M * N, ptr, fracBits), tr, tr === 1));
  if (ptr === 2) return chain;
  const [, [n, bits]] = productTuplesPlan(M * N, D, eps, fracBits); // the row scaling's tuples, made here
  return addCosts(chain, { rounds: 0, bytesTotal: 0, offlineBytesTotal: truncManyCost(n, 1, bits).offlineBytesTotal });
}

/** The part under `outLabel`: the final row scaling over [M, N] (`ptr` as above; its tuples are the norm's). */
export function fNormMatmulOutCost(M: number, N: number, ptr: TruncRounds = 2, fracBits = 18): OpCost {
  const c = truncManyCost(M * N, ptr, fracBits);
  return ptr === 1 ? { ...c, offlineBytesTotal: 0 } : c;
}

/** Declared cost of fNormMatmul: x [M, D], N output columns; `tr` and `ptr` as fNormMatmulNormCost's. */
export function fNormMatmulCost(M: number, D: number, N: number, eps: number, mode: NormMode, fracBits = 18, tr: TruncRounds = DEFAULT_APPROX_CONFIG.norm.truncRounds, ptr: TruncRounds = 2): OpCost {
  return addCosts(fNormMatmulNormCost(M, D, N, eps, mode, fracBits, tr, ptr), fNormMatmulOutCost(M, N, ptr, fracBits));
}
