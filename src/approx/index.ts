/**
 * src/approx: fixed-point nonlinear functions on replicated shares, built only from
 * src/protocols (PUMA's approximations plus our refits). Every function batches its
 * comparisons and multiplications so they share rounds, runs under its own meter label, and
 * declares its cost (`…Cost`) next to its code; tests hold measured == declared.
 */
export * from './config.js';
export { fExp, fExpCost, expApprox } from './exp.js';
export { fReciprocal, fReciprocalCost, planReciprocal, reciprocalApprox, type ReciprocalOptions, type ReciprocalPlan } from './reciprocal.js';
export { fRsqrt, fRsqrtCost, planRsqrt, rsqrtTimes, rsqrtTimesCost, rsqrtApprox, RSQRT_POLY, type RsqrtOptions, type RsqrtPlan } from './rsqrt.js';
export { fGelu, fGeluCost, geluApprox, geluSpec, GELU_PUMA, GELU_IMPROVED } from './gelu.js';
export { fSilu, fSiluCost, siluApprox, siluSpec, SILU_PUMA, SILU_IMPROVED } from './silu.js';
export { fSoftmax, fSoftmaxCost, causalRowLengths, type SoftmaxOptions } from './softmax.js';
export { fSoftmaxMatmul, fSoftmaxMatmulCost } from './softmax-matmul.js';
export { fAttention, fAttentionCost } from './attention.js';
export { fLayerNorm, fLayerNormCost, fRmsNorm, fRmsNormCost } from './norm.js';
export { fNormMatmul, fNormMatmulCost, fNormMatmulNormCost, fNormMatmulOutCost, type NormSpec } from './norm-matmul.js';
export { residualLayerNorm, residualLayerNormCost, type ResidualNormOptions } from './residual-norm.js';
export { highBits, highBitsCost, highBitCompares, highBitComparesCost, highBitsB2a, highBitsB2aCost, weigh, weighTimes, weighTimesCost, type HighBitPlan, type HighBits, type HighBitCompares } from './highbit.js';
export { planPolys, evalPolys, polysCost, type PolySpec, type PolyPlan } from './poly.js';
export { planPiecewise, piecewise, piecewiseCost, piecewisePlain, polyAt, type Piece, type PiecewiseSpec, type PiecewisePlan } from './piecewise.js';
export { gelu, silu, softmax, softmaxMatmul, attention, layerNorm, rmsNorm } from './api.js';
export { normMatmul } from './api.js';
export * from './reference.js';
export { rangeBounds, type RangeBounds } from './bounds.js';
