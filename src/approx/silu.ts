/**
 * SiLU(x) = x·σ(x) on shares (LLaMA's FFN), as a piecewise polynomial (piecewise.ts):
 *
 * 'puma' — PUMA's fit, 3 comparisons:
 *     0 (x < −8) | Q (−8 ≤ x < −4) | F (−4 ≤ x ≤ 4) | x (x > 4)
 *     Q = −0.0055465625580307x² − 0.0819767021525476x − 0.3067541139982155
 *     F = 0.0002743776353465x⁶ − 0.011113046708173x⁴ + 0.2281430841728270x² + 0.5x + 0.0085064025895951
 *   max |error| 0.072 (at x = 4: the identity misses SiLU(4) − 4 = −0.072).
 *
 * 'improved' — ours (scripts/fit-approx.ts), 4 comparisons, continuous everywhere:
 *     0 (x < −9) | T(x) (−9 ≤ x < −3.5) | x/2 + E(x) (|x| ≤ 3.5) | x + T(−x) (3.5 < x ≤ 9) | x (x > 9)
 *   using SiLU(x) = x + SiLU(−x): T cubic (minimax on [−9, −3.5], T(−9) = 0), E even of degree
 *   8 (minimax of SiLU(x) − x/2 on [0, 3.5], continuous with T). max |error| 0.0013. Same
 *   rounds as PUMA (16); one more comparison and selection (~25% more bytes).
 */
import type { OpCost, Party } from '../protocols/context.js';
import type { AShare } from '../protocols/share.js';
import type { ApproxConfig, SiluVariant } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import type { PiecewisePlan, PiecewiseSpec } from './piecewise.js';
import { piecewise, piecewiseCost, piecewisePlain, planPiecewise } from './piecewise.js';

export const SILU_PUMA: PiecewiseSpec = Object.freeze({
  name: 'silu',
  breaks: [-8, -4, 4],
  pieces: [
    { kind: 'zero' },
    { kind: 'poly', coeffs: [-0.3067541139982155, -0.0819767021525476, -0.0055465625580307] },
    { kind: 'poly', coeffs: [0.0085064025895951, 0.5, 0.228143084172827, 0, -0.011113046708173, 0, 0.0002743776353465] },
    { kind: 'identity' },
  ],
} as const);

const T = [-0.55001579970121384, -0.20590991574841688, -0.026097489400716253, -0.0011121031426586003];

export const SILU_IMPROVED: PiecewiseSpec = Object.freeze({
  name: 'silu',
  breaks: [-9, -3.5, 3.5, 9],
  pieces: [
    { kind: 'zero' },
    { kind: 'poly', coeffs: T },
    {
      kind: 'poly',
      coeffs: [0.0012465382936981129, 0.5, 0.24443108976124522, 0, -0.016716742732884846, 0, 0.00088425717864116355, 0, -0.000020596817927890061],
    },
    { kind: 'poly', coeffs: [T[0], 1 - T[1], T[2], -T[3]] },
    { kind: 'identity' },
  ],
} as const);

export const siluSpec = (v: SiluVariant): PiecewiseSpec => (v === 'puma' ? SILU_PUMA : SILU_IMPROVED);

const plans = new Map<string, PiecewisePlan>();
function plan(v: SiluVariant, f: number): PiecewisePlan {
  const key = `${v}/${f}`;
  let pl = plans.get(key);
  if (!pl) plans.set(key, (pl = planPiecewise(siluSpec(v), f)));
  return pl;
}

/** SiLU elementwise (any shape). */
export function fSilu(p: Party, x: AShare, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  return piecewise(p, x, plan(cfg.silu.variant, p.cfg.fracBits));
}

export function fSiluCost(n: number, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18): OpCost {
  return piecewiseCost(n, plan(cfg.silu.variant, fracBits));
}

/** The approximation in float64 (no fixed point). */
export const siluApprox = (x: number, v: SiluVariant = DEFAULT_APPROX_CONFIG.silu.variant): number => piecewisePlain(siluSpec(v), x);
