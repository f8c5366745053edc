/**
 * float64 references of the exact functions (what the approximations are measured against):
 * erf, GeLU (erf form), SiLU, softmax with ragged rows, LayerNorm, RMSNorm. Plain numbers, no
 * fixed point; used by tests, the benchmark and the coefficient fits.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) to ~1e-15: erf(x) = 2/√π·e^(−x²)·Σ_n 2^n x^(2n+1) / (1·3·…·(2n+1)), a series of
 * positive terms (no cancellation); |x| ≥ 6.5 gives ±1 (erfc(6.5) < 4e-20).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6.5) return Math.sign(x);
  const x2 = a * a;
  let term = a;
  let sum = a;
  for (let n = 1; n < 400; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * Math.min(1, TWO_OVER_SQRT_PI * Math.exp(-x2) * sum);
}

/** GeLU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export const geluRef = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** SiLU(x) = x·σ(x). */
export const siluRef = (x: number): number => x / (1 + Math.exp(-x));

/** Row softmax of x [rows, cols]; row r keeps its first lens[r] columns, the rest are 0. */
export function softmaxRef(x: ArrayLike<number>, rows: number, cols: number, lens?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const len = lens ? lens[r] : cols;
    if (len === 0) continue;
    let m = -Infinity;
    for (let c = 0; c < len; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < len; c++) s += Math.exp(x[r * cols + c] - m);
    for (let c = 0; c < len; c++) out[r * cols + c] = Math.exp(x[r * cols + c] - m) / s;
  }
  return out;
}

/** LayerNorm of x [rows, d] with gamma, beta [d]. */
export function layerNormRef(x: ArrayLike<number>, rows: number, d: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): Float64Array {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[r * d + c];
    mean /= d;
    let v = 0;
    for (let c = 0; c < d; c++) v += (x[r * d + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let c = 0; c < d; c++) out[r * d + c] = (x[r * d + c] - mean) * inv * gamma[c] + beta[c];
  }
  return out;
}

/** RMSNorm of x [rows, d] with gamma [d]. */
export function rmsNormRef(x: ArrayLike<number>, rows: number, d: number, gamma: ArrayLike<number>, eps: number): Float64Array {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < d; c++) ss += x[r * d + c] ** 2;
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let c = 0; c < d; c++) out[r * d + c] = x[r * d + c] * inv * gamma[c];
  }
  return out;
}
