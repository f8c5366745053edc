/**
 * Fixed-point multiplication: the ring product followed by truncation by f, fused so that the
 * 3-of-3 local product goes straight into the truncation (2 rounds instead of 1 + 2; 1 round
 * with p.truncRounds = 1, see trunc-round1.ts). Cost functions take that mode as an argument.
 */
import { encode as encodeFixed } from '../ring/fixed-point.js';
import type { OpCost, Party } from './context.js';
import { scoped } from './context.js';
import { matmulLocal, mulAP, mulAPScalar, mulLocal, matmulAP } from './arith.js';
import { truncA, truncAdditive, truncAdditiveCost } from './trunc.js';
import type { AShare } from './share.js';
import type { Shape } from '../ring/tensor.js';

/** Fixed-point x ⊙ y. */
export function fMul(p: Party, x: AShare, y: AShare): Promise<AShare> {
  return scoped(p, 'fMul', () => truncAdditive(p, mulLocal(p, x, y), x.shape, p.cfg.fracBits, 'fMul'));
}
export const fMulCost = truncAdditiveCost;

/** Fixed-point x·y or x·yᵀ (x [B?,M,K], y [B?,K,N] or [B?,N,K]). */
export function fMatmul(p: Party, x: AShare, y: AShare, transB = false): Promise<AShare> {
  return scoped(p, 'fMatmul', async () => {
    const { z, dims } = await matmulLocal(p, x, y, transB);
    return truncAdditive(p, z, dims.outShape, p.cfg.fracBits, 'fMatmul');
  });
}
export const fMatmulCost = (outElements: number, rounds: 1 | 2 = 2, fracBits = 18): OpCost => truncAdditiveCost(outElements, rounds, fracBits);

/** Fixed-point x ⊙ c for public reals c (same length as x): local product, then truncA. */
export function fMulPublic(p: Party, x: AShare, c: Float64Array | number[]): Promise<AShare> {
  return scoped(p, 'fMulP', () => truncA(p, mulAP(p, x, encodeFixed(c, p.cfg, 'public multiplier')), p.cfg.fracBits));
}

/** Fixed-point x · c for one public real c. */
export function fMulScalar(p: Party, x: AShare, c: number): Promise<AShare> {
  const [e] = encodeFixed([c], p.cfg, 'public scalar');
  return scoped(p, 'fMulP', () => truncA(p, mulAPScalar(p, x, e), p.cfg.fracBits));
}

/** Fixed-point x·W for public reals W [K,N] (or [N,K] with transB): local product, then truncA. */
export function fMatmulPublic(p: Party, x: AShare, w: Float64Array, wShape: Shape, transB = false): Promise<AShare> {
  return scoped(p, 'fMatmulP', () => truncA(p, matmulAP(p, x, encodeFixed(w, p.cfg, 'public matrix'), wShape, transB), p.cfg.fracBits));
}
