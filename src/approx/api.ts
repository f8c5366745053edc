/**
 * Model-facing entry points (what SecureOps calls): one function per `Ops` nonlinearity, with
 * the ApproxConfig last-but-optional. Thin wrappers over the f-prefixed functions, which take
 * finer options (reciprocal/rsqrt ranges, output scales).
 */
import type { Party } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import { fGelu } from './gelu.js';
import { fSilu } from './silu.js';
import { fSoftmax } from './softmax.js';
import { fSoftmaxMatmul } from './softmax-matmul.js';
import { fAttention } from './attention.js';
import { fLayerNorm, fRmsNorm } from './norm.js';
import { fNormMatmul, type NormSpec } from './norm-matmul.js';

/** GeLU elementwise (cfg.gelu.variant). */
export const gelu = (p: Party, x: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> => fGelu(p, x, cfg);

/** SiLU elementwise (cfg.silu.variant). */
export const silu = (p: Party, x: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> => fSilu(p, x, cfg);

/**
 * Softmax along the last axis of x·2^−inputShift; row r keeps its first rowLengths[r] columns
 * (others: skipped, 0).
 */
export const softmax = (p: Party, x: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, rowLengths?: ArrayLike<number>, inputShift = 0): Promise<AShare> =>
  fSoftmax(p, x, { ...(rowLengths ? { rowLengths } : {}), inputShift }, cfg);

/**
 * softmax(x·2^−inputShift)·v per batch entry (x [B,M,C], v [B,C,D] → [B,M,D]), normalised after
 * the product; row r of the B·M score rows keeps its first rowLengths[r] columns.
 */
export const softmaxMatmul = (p: Party, x: AShare, v: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, rowLengths?: ArrayLike<number>, inputShift = 0): Promise<AShare> =>
  fSoftmaxMatmul(p, x, v, { ...(rowLengths ? { rowLengths } : {}), inputShift }, cfg);

/**
 * softmax(q kᵀ·2^−inputShift)·v per batch entry (q [B,M,K], k [B,C,K], v [B,C,D] → [B,M,D]), the
 * row max started on the untruncated scores; rowLengths over the B·M score rows.
 */
export const attention = (p: Party, q: AShare, k: AShare, v: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, rowLengths?: ArrayLike<number>, inputShift = 0): Promise<AShare> =>
  fAttention(p, q, k, v, { ...(rowLengths ? { rowLengths } : {}), inputShift }, cfg);

/** LayerNorm over the last axis of x [..., D]; gamma, beta shared [D]. */
export const layerNorm = (p: Party, x: AShare, gamma: AShare, beta: AShare, eps: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> =>
  fLayerNorm(p, x, gamma, beta, eps, cfg);

/** RMSNorm over the last axis of x [..., D]; gamma shared [D]. */
export const rmsNorm = (p: Party, x: AShare, gamma: AShare, eps: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> => fRmsNorm(p, x, gamma, eps, cfg);

/**
 * norm(x)·W (transB: ·Wᵀ), LayerNorm when norm.beta is given, else RMSNorm, fused (norm-matmul.ts);
 * the final row scaling is metered under `outLabel`.
 */
export const normMatmul = (p: Party, x: AShare, norm: NormSpec, W: AShare, transB = false, outLabel = 'matmul', cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> =>
  fNormMatmul(p, x, norm, W, transB, outLabel, cfg);
