/** Scalar float64 reference functions used by PlainOps. */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/sqrt(pi)
const SQRT_2_OVER_PI = 0.7978845608028654; // sqrt(2/pi)

/**
 * erf(x) to ~1e-15 absolute: for |x| < 2.5 the all-positive series
 * erf(x) = 2/sqrt(pi) · e^{-x²} · Σ_n 2^n x^{2n+1} / (1·3·…·(2n+1)) (no cancellation);
 * for |x| ≥ 2.5 the continued fraction of erfc evaluated bottom-up; 1 beyond |x| = 6.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  // erfc(x) = e^{-x²}/sqrt(pi) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** GeLU, tanh form ("gelu_new" of HF GPT-2): 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x³))). */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** GeLU, exact erf form: 0.5x(1 + erf(x/sqrt 2)). */
export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** SiLU x·sigmoid(x), written to avoid overflow of exp for large |x|. */
export function silu(x: number): number {
  if (x >= 0) return x / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return (x * e) / (1 + e);
}
