/**
 * The range limits of the fixed-point computation, in real-number terms, derived from the ring
 * (Z_2^64, f fractional bits) and the approximation config. One place for the numbers the README
 * documents, check-model reports against and checked mode tests (src/protocols/range-check.ts).
 *
 * At f = 18:
 * - value:      any shared value |x| < 2^(62−f) = 2^44 (encoding clamp; comparisons need
 *               |x − t| < 2^(63−f); a truncation input at scale f must be below 2^62).
 * - product:    every sum of products entering a truncation at scale 2f (fMul, fMatmul, mulPublic,
 *               the norms' variance): |Σ a·b| < 2^(62−2f) = 2^26.
 * - softmax:    row spread max − min < 2^(62−f) (the max tree compares differences); exp takes
 *               x − max ≤ 0, masked to 0 below config exp.maskBelow; reciprocal sees Σ ∈ [1, C].
 * - softmax·V: |y| = |N·r| < 2^(62−2f−recipExtraBits) = 2^12 (softmax-matmul.ts scales N = e·V by
 *               the reciprocal at f + recipExtraBits in one truncation; |y| ≤ max|v|).
 * - norm input: LayerNorm |x| ≤ config norm.inputBound (sizes the mean's truncation; the
 *               truncation itself fails from 4× that).
 * - variance:   per row Σ(x − mean)² + D·eps (RMSNorm: Σx² + D·eps) < 2^(61−2f) = 2^25 (the rsqrt's
 *               normalisation range; its own truncation fails from 2^26).
 * - norm out:   |y − β| = |γ·(x − mean)/σ| < 2^(62−f−30) = 2^14 at f = 18 (the G·B truncation of
 *               rsqrtTimes at scale f + 30); the worst case |x − mean| = σ√D gives √D·|γ| < 2^13.5.
 * - norm·W:     |norm(x)·W| < 2^(62 − f − sP) = 2^18 at f = 18 when a norm is fused with its
 *               matmul (norm-matmul.ts: the final truncation's input at scale f + sP, sP = f + 8).
 * - rsqrt:      inputs in [D·eps/2, 2^(61−2f)] (norms); reciprocal (softmax) in [0.5, 1.01·C + 1].
 * - GeLU/SiLU:  any |x| < 2^(62−f): the comparisons are exact there and the polynomial pieces are
 *               only used on their segments (|x| ≤ 3.1, resp. 10.5); outside, zero or identity.
 */
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';

export interface RangeBounds {
  /** Largest |value| of any shared fixed-point value. */
  readonly value: number;
  /** Largest |Σ a·b| entering a truncation at scale 2f (fMul, fMatmul, mulPublic). */
  readonly product: number;
  /** Largest max − min of a softmax row (and of an argmax row). */
  readonly softmaxSpread: number;
  /** Largest |softmax(x)·v| of softmaxMatmul (its row scaling truncates at 2f + recipExtraBits). */
  readonly softmaxMatmulOutput: number;
  /** Largest |x| into LayerNorm (config norm.inputBound). */
  readonly normInput: number;
  /** Largest per-row Σ(x − mean)² + D·eps (LayerNorm) or Σx² + D·eps (RMSNorm). */
  readonly normVariance: number;
  /** Largest |y − β| out of a norm (|γ|·|x − mean|/σ). */
  readonly normOutput: number;
  /** Largest |norm(x)·W| out of a fused norm → matmul (src/approx/norm-matmul.ts). */
  readonly normMatmulOutput: number;
}

/** The LayerNorm/RMSNorm scale of B in G·B (src/approx/norm.ts T1). */
const NORM_T1 = 30;

export function rangeBounds(fracBits: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): RangeBounds {
  const f = fracBits;
  return Object.freeze({
    value: 2 ** (62 - f),
    product: 2 ** (62 - 2 * f),
    softmaxSpread: 2 ** (62 - f),
    softmaxMatmulOutput: 2 ** (62 - 2 * f - cfg.softmax.recipExtraBits),
    normInput: cfg.norm.inputBound,
    normVariance: 2 ** (61 - 2 * f),
    // G·B < 2^62 at scale f + T1 with B ≤ (√D/σ)/√2 → |γ (x − mean)/σ| < √2·2^(62 − f − T1); stated without the √2
    normOutput: 2 ** (62 - f - NORM_T1),
    // the final row scaling truncates (G·B·W)·P + β·W at scale f + sP, sP = f + 8 (rsqrt.ts planRsqrt with a fixed t1)
    normMatmulOutput: 2 ** (62 - f - (f + 8)),
  });
}
