/**
 * Elementwise Z_2^64 kernels. Pointers are byte addresses, `n` counts u64 elements.
 * `o` may equal an input pointer (each element is read before its slot is written).
 * Shape: a SIMD loop over pairs of lanes, then at most one scalar element.
 */

export function add(o: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.add(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) + load<u64>(b + i));
}

export function sub(o: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.sub(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) - load<u64>(b + i));
}

export function mul(o: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.mul(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) * load<u64>(b + i));
}

export function neg(o: usize, a: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.neg(v128.load(a + i)));
  if (i < end) store<u64>(o + i, 0 - load<u64>(a + i));
}

export function addScalar(o: usize, a: usize, s: u64, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  const sv = i64x2.splat(s);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.add(v128.load(a + i), sv));
  if (i < end) store<u64>(o + i, load<u64>(a + i) + s);
}

export function mulScalar(o: usize, a: usize, s: u64, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  const sv = i64x2.splat(s);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.mul(v128.load(a + i), sv));
  if (i < end) store<u64>(o + i, load<u64>(a + i) * s);
}

export function shl(o: usize, a: usize, s: i32, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.shl(v128.load(a + i), s));
  if (i < end) store<u64>(o + i, load<u64>(a + i) << (<u64>s));
}

export function shrLogical(o: usize, a: usize, s: i32, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.shr_u(v128.load(a + i), s));
  if (i < end) store<u64>(o + i, load<u64>(a + i) >> (<u64>s));
}

export function shrArith(o: usize, a: usize, s: i32, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, i64x2.shr_s(v128.load(a + i), s));
  if (i < end) store<i64>(o + i, load<i64>(a + i) >> (<i64>s));
}

export function and(o: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.and(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) & load<u64>(b + i));
}

export function or(o: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.or(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) | load<u64>(b + i));
}

export function xor(o: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.xor(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) ^ load<u64>(b + i));
}

export function not(o: usize, a: usize, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.not(v128.load(a + i)));
  if (i < end) store<u64>(o + i, ~load<u64>(a + i));
}

export function andScalar(o: usize, a: usize, s: u64, n: i32): void {
  const end = <usize>n << 3, vend = end & ~15;
  const sv = i64x2.splat(s);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.and(v128.load(a + i), sv));
  if (i < end) store<u64>(o + i, load<u64>(a + i) & s);
}

/** o[r] = sum_c a[r*cols + c]   (o: [rows], a: [rows*cols]) */
export function sumRows(o: usize, a: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 3, vend = rowBytes & ~15;
  for (let r = 0; r < rows; r++) {
    const p = a + <usize>r * rowBytes;
    let acc = i64x2.splat(0);
    let i: usize = 0;
    for (; i < vend; i += 16) acc = i64x2.add(acc, v128.load(p + i));
    let s = <u64>i64x2.extract_lane(acc, 0) + <u64>i64x2.extract_lane(acc, 1);
    if (i < rowBytes) s += load<u64>(p + i);
    store<u64>(o + (<usize>r << 3), s);
  }
}

/** o[c] = sum_r a[r*cols + c]   (o: [cols], a: [rows*cols]); o must not overlap a. */
export function sumCols(o: usize, a: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 3, vend = rowBytes & ~15;
  memory.fill(o, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const p = a + <usize>r * rowBytes;
    let i: usize = 0;
    for (; i < vend; i += 16) v128.store(o + i, i64x2.add(v128.load(o + i), v128.load(p + i)));
    if (i < rowBytes) store<u64>(o + i, load<u64>(o + i) + load<u64>(p + i));
  }
}
