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
 *     0 (x < −10.5) | T(x) (−10.5 ≤ x < −3) | x/2 + E(x) (|x| ≤ 3) | x + T(−x) (3 < x ≤ 10.5) | x
 *   using SiLU(x) = x + SiLU(−x): T quartic (minimax on [−10.5, −3], T(−10.5) = 0), E even of
 *   degree 8 (minimax of SiLU(x) − x/2 on [0, 3], continuous with T). max |error| 4.4e-4. Same
 *   rounds as PUMA (16); one more comparison and selection (~30% more bytes).
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

const T = [-0.68638467079440491, -0.30191155633320177, -0.050555806607190508, -0.003792179849503943, -0.00010693743372717831];

export const SILU_IMPROVED: PiecewiseSpec = Object.freeze({
  name: 'silu',
  breaks: [-10.5, -3, 3, 10.5],
  pieces: [
    { kind: 'zero' },
    { kind: 'poly', coeffs: T },
    {
      kind: 'poly',
      coeffs: [0.00041151265229576715, 0.5, 0.2475223381809708, 0, -0.018388544531643975, 0, 0.0011631072710824929, 0, -0.00003482258608319114],
    },
    { kind: 'poly', coeffs: T.map((t, k) => (k === 1 ? 1 - t : k % 2 ? -t : t)) },
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
