/**
 * Fixed-point encoding of real tensors into Z_2^64 (DESIGN.md §2).
 *
 *   encode: x ↦ round(x · 2^f), ties to even, clamped to [−2^62, 2^62 − 1], two's complement.
 *   decode: a ↦ int64(a) / 2^f.
 *
 * NaN and ±Inf are rejected at this boundary (RangeError naming the tensor and the first bad
 * index) so plaintext inputs never become silent garbage. The bulk conversion runs in the
 * wasm kernels by default; pass `jsKernels` to use the BigInt reference.
 */
import type { RingConfig } from './config.js';
import type { RingKernels } from './kernels.js';
import { wasmKernels } from './wasm-kernels.js';

/** Largest and smallest encodable ring values, as int64: the clamp range of `encode`. */
export const FIXED_MAX = (1n << 62n) - 1n;
export const FIXED_MIN = -(1n << 62n);

/** Index of the first NaN/±Inf in x, or -1. */
export function firstNonFinite(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) return i; // NaN and ±Inf give NaN; finite numbers give 0
  }
  return -1;
}

export function encode(
  x: Float64Array | readonly number[],
  cfg: RingConfig,
  name: string,
  kernels: RingKernels = wasmKernels,
): BigUint64Array {
  const bad = firstNonFinite(x);
  if (bad >= 0) {
    throw new RangeError(`encode '${name}': non-finite value ${x[bad]} at index ${bad} (of ${x.length})`);
  }
  const xs = x instanceof Float64Array ? x : Float64Array.from(x);
  const out = new BigUint64Array(xs.length);
  kernels.encodeFixed(out, xs, cfg.fracBits);
  return out;
}

export function decode(a: BigUint64Array, cfg: RingConfig, kernels: RingKernels = wasmKernels): Float64Array {
  const out = new Float64Array(a.length);
  kernels.decodeFixed(out, a, cfg.fracBits);
  return out;
}
