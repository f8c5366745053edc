/**
 * GeLU(x) = x·Φ(x) on shares, as a piecewise polynomial (piecewise.ts):
 *
 * 'puma' — PUMA (Dong et al. 2023, §4.2), 3 comparisons:
 *     0 (x < −4) | F0 (−4 ≤ x < −1.95) | F1 (−1.95 ≤ x ≤ 3) | x (x > 3)
 *     F0 = −0.011034134030615728x³ − 0.11807612951181953x² − 0.42226581151983866x − 0.5054031199708174
 *     F1 = 0.0018067462606141187x⁶ − 0.037688200365904236x⁴ + 0.3603292692789629x² + 0.5x + 0.008526321541038084
 *   max |error| 0.0199 (at x = 3, where F1 jumps to the identity).
 *
 * 'improved' — ours (scripts/fit-approx.ts), 2 comparisons:
 *     0 (x < −3.1) | x/2 + E(x) (|x| ≤ 3.1) | x (x > 3.1)
 *   E even of degree 8, the minimax fit of GeLU(x) − x/2 on [0, 3.1] with E(3.1) = 3.1/2, so
 *   y is continuous at ±3.1. max |error| 0.0031; fewer comparisons, selections and products
 *   than PUMA, same rounds (8 + 3·2 + 2 = 16).
 */
import type { OpCost, Party } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import type { ApproxConfig, GeluVariant } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import type { PiecewisePlan, PiecewiseSpec } from './piecewise.js';
import { piecewise, piecewiseCost, piecewisePlain, planPiecewise } from './piecewise.js';

export const GELU_PUMA: PiecewiseSpec = Object.freeze({
  name: 'gelu',
  breaks: [-4, -1.95, 3],
  pieces: [
    { kind: 'zero' },
    { kind: 'poly', coeffs: [-0.5054031199708174, -0.42226581151983866, -0.11807612951181953, -0.011034134030615728] },
    { kind: 'poly', coeffs: [0.008526321541038084, 0.5, 0.3603292692789629, 0, -0.037688200365904236, 0, 0.0018067462606141187] },
    { kind: 'identity' },
  ],
} as const);

export const GELU_IMPROVED: PiecewiseSpec = Object.freeze({
  name: 'gelu',
  breaks: [-3.1, 3.1],
  pieces: [
    { kind: 'zero' },
    {
      kind: 'poly',
      coeffs: [0.0031158414037416688, 0.5, 0.38127391379114556, 0, -0.05005399285581108, 0, 0.0041282775418106203, 0, -0.00013582371756886867],
    },
    { kind: 'identity' },
  ],
} as const);

export const geluSpec = (v: GeluVariant): PiecewiseSpec => (v === 'puma' ? GELU_PUMA : GELU_IMPROVED);

const plans = new Map<string, PiecewisePlan>();
function plan(v: GeluVariant, f: number): PiecewisePlan {
  const key = `${v}/${f}`;
  let pl = plans.get(key);
  if (!pl) plans.set(key, (pl = planPiecewise(geluSpec(v), f)));
  return pl;
}

/** GeLU elementwise (any shape). */
export function fGelu(p: Party, x: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  return piecewise(p, x, plan(cfg.gelu.variant, p.cfg.fracBits));
}

export function fGeluCost(n: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18): OpCost {
  return piecewiseCost(n, plan(cfg.gelu.variant, fracBits));
}

/** The approximation in float64 (no fixed point). */
export const geluApprox = (x: number, v: GeluVariant = DEFAULT_APPROX_CONFIG.gelu.variant): number => piecewisePlain(geluSpec(v), x);
