/**
 * Fixed-point conversion between f64 and Z_2^64 (two's complement), f fractional bits.
 * encode: round(x·2^f) with ties to even (f64.nearest), clamped to [-2^62, 2^62-1].
 *   x·2^f is exact (power-of-two scaling) unless it overflows to ±Inf, which the clamp absorbs.
 *   NaN must be rejected by the caller (here it would encode as 0).
 * decode: (signed i64 → nearest f64, ties to even) · 2^-f, exact scaling.
 * o may equal the input pointer (same element size, element i read before it is written).
 */

const TWO62: f64 = 4611686018427387904.0; // 2^62
const MAX: i64 = 0x3fffffffffffffff; // 2^62 - 1
const MIN: i64 = -0x4000000000000000; // -2^62

// @ts-ignore: decorator
@inline function pow2(e: i32): f64 {
  return reinterpret<f64>(<u64>(1023 + e) << 52);
}

export function encodeFixed(o: usize, x: usize, n: i32, fracBits: i32): void {
  const scale = pow2(fracBits);
  const end = <usize>n << 3;
  for (let i: usize = 0; i < end; i += 8) {
    const t = nearest<f64>(load<f64>(x + i) * scale);
    let r: i64;
    if (t >= TWO62) r = MAX;
    else if (t <= -TWO62) r = MIN;
    else r = <i64>t; // in range; compiles to i64.trunc_sat_f64_s (nontrapping-f2i)
    store<i64>(o + i, r);
  }
}

export function decodeFixed(o: usize, a: usize, n: i32, fracBits: i32): void {
  const scale = pow2(-fracBits);
  const end = <usize>n << 3;
  for (let i: usize = 0; i < end; i += 8) store<f64>(o + i, <f64>load<i64>(a + i) * scale);
}
