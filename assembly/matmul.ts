/**
 * Z_2^64 matrix products, row-major, byte pointers, i64x2 SIMD.
 *
 *   mm   : c (+)= a·b    a: [M,K], b: [K,N], c: [M,N]
 *   mmTB : c (+)= a·bᵀ   a: [M,K], b: [N,K], c: [M,N]
 *
 * `acc` = 0 overwrites c, 1 accumulates into it. c must not overlap a or b.
 *
 * mm: a 4×4 register-blocked micro-kernel (4 rows of a splatted × 2 v128 column chunks of b, 8
 * accumulators in locals) over row blocks of a sized to stay in L2; leftover columns (N mod 4)
 * and leftover rows (M mod 4, and all rows when M < 4) go through a row kernel that streams 4
 * rows of b at a time into one row of c.
 * mmTB: both operands are contiguous along k, so it is a blocked dot-product kernel (2 rows of
 * a × 2 rows of b, SIMD along k) — no transpose, no scratch.
 */

/** Bytes of a (resp. b) a cache block aims for (L2 is >= 512 KiB on the targets we care about). */
const A_BLOCK_BYTES: usize = 512 * 1024;
const TB_A_BLOCK_BYTES: usize = 384 * 1024;
const TB_B_BLOCK_BYTES: usize = 128 * 1024;

export function mm(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  const lda = <usize>K << 3, ldb = <usize>N << 3, ldc = <usize>N << 3;
  const M4 = M & ~3, N4 = N & ~3, nTail = N - N4;
  const isAcc = acc != 0;
  const mb = max<i32>(4, <i32>(A_BLOCK_BYTES / max<usize>(lda, 8)) & ~3);
  for (let i0 = 0; i0 < M4; i0 += mb) {
    const i1 = min<i32>(i0 + mb, M4);
    for (let j = 0; j < N4; j += 4) {
      const bj = b + (<usize>j << 3);
      for (let i = i0; i < i1; i += 4) {
        kernel4x4(a + <usize>i * lda, lda, bj, ldb, c + <usize>i * ldc + (<usize>j << 3), ldc, K, isAcc);
      }
    }
    if (nTail > 0) {
      const bj = b + (<usize>N4 << 3);
      for (let i = i0; i < i1; i++) {
        rowKernel(a + <usize>i * lda, bj, ldb, c + <usize>i * ldc + (<usize>N4 << 3), nTail, K, isAcc);
      }
    }
  }
  for (let i = M4; i < M; i++) rowKernel(a + <usize>i * lda, b, ldb, c + <usize>i * ldc, N, K, isAcc);
}

/** c[0..4, 0..4] (+)= a[0..4, 0..K] · b[0..K, 0..4]; row strides in bytes. */
function kernel4x4(a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, K: i32, acc: bool): void {
  let c00 = i64x2.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
  for (let k: usize = 0, kEnd = <usize>K << 3; k < kEnd; k += 8) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load64_splat(a + k);
    c00 = i64x2.add(c00, i64x2.mul(s, b0));
    c01 = i64x2.add(c01, i64x2.mul(s, b1));
    s = v128.load64_splat(a1 + k);
    c10 = i64x2.add(c10, i64x2.mul(s, b0));
    c11 = i64x2.add(c11, i64x2.mul(s, b1));
    s = v128.load64_splat(a2 + k);
    c20 = i64x2.add(c20, i64x2.mul(s, b0));
    c21 = i64x2.add(c21, i64x2.mul(s, b1));
    s = v128.load64_splat(a3 + k);
    c30 = i64x2.add(c30, i64x2.mul(s, b0));
    c31 = i64x2.add(c31, i64x2.mul(s, b1));
    b += ldb;
  }
  const r1 = c + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (acc) {
    c00 = i64x2.add(c00, v128.load(c)); c01 = i64x2.add(c01, v128.load(c, 16));
    c10 = i64x2.add(c10, v128.load(r1)); c11 = i64x2.add(c11, v128.load(r1, 16));
    c20 = i64x2.add(c20, v128.load(r2)); c21 = i64x2.add(c21, v128.load(r2, 16));
    c30 = i64x2.add(c30, v128.load(r3)); c31 = i64x2.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
}

/** c[0..w] (+)= Σ_k a[k] · b[k*ldb + 0..w]  (one row of c; b rows streamed 4 at a time). */
function rowKernel(a: usize, b: usize, ldb: usize, c: usize, w: i32, K: i32, acc: bool): void {
  const end = <usize>w << 3, vend = end & ~15;
  if (!acc) memory.fill(c, 0, end);
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const s0 = v128.load64_splat(a), s1 = v128.load64_splat(a, 8);
    const s2 = v128.load64_splat(a, 16), s3 = v128.load64_splat(a, 24);
    const b0 = b, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
    let j: usize = 0;
    for (; j < vend; j += 16) {
      const p01 = i64x2.add(i64x2.mul(s0, v128.load(b0 + j)), i64x2.mul(s1, v128.load(b1 + j)));
      const p23 = i64x2.add(i64x2.mul(s2, v128.load(b2 + j)), i64x2.mul(s3, v128.load(b3 + j)));
      v128.store(c + j, i64x2.add(v128.load(c + j), i64x2.add(p01, p23)));
    }
    if (j < end) {
      const x0 = load<u64>(a), x1 = load<u64>(a, 8), x2 = load<u64>(a, 16), x3 = load<u64>(a, 24);
      store<u64>(c + j, load<u64>(c + j) + x0 * load<u64>(b0 + j) + x1 * load<u64>(b1 + j) + x2 * load<u64>(b2 + j) + x3 * load<u64>(b3 + j));
    }
    a += 32;
    b = b3 + ldb;
  }
  for (; k < K; k++) {
    const s = v128.load64_splat(a);
    let j: usize = 0;
    for (; j < vend; j += 16) v128.store(c + j, i64x2.add(v128.load(c + j), i64x2.mul(s, v128.load(b + j))));
    if (j < end) store<u64>(c + j, load<u64>(c + j) + load<u64>(a) * load<u64>(b + j));
    a += 8;
    b += ldb;
  }
}

export function mmTB(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  const ld = <usize>K << 3, ldc = <usize>N << 3;
  const isAcc = acc != 0;
  const mb = max<i32>(2, <i32>(TB_A_BLOCK_BYTES / max<usize>(ld, 8)) & ~1);
  const nb = max<i32>(4, <i32>(TB_B_BLOCK_BYTES / max<usize>(ld, 8)) & ~3);
  for (let i0 = 0; i0 < M; i0 += mb) {
    const i1 = min<i32>(i0 + mb, M);
    for (let j0 = 0; j0 < N; j0 += nb) {
      const j1 = min<i32>(j0 + nb, N);
      let i = i0;
      for (; i + 2 <= i1; i += 2) {
        const ai = a + <usize>i * ld, ci = c + <usize>i * ldc;
        let j = j0;
        for (; j + 2 <= j1; j += 2) dot2x2(ai, b + <usize>j * ld, ld, ci + (<usize>j << 3), ldc, K, isAcc);
        if (j < j1) {
          dot1x1(ai, b + <usize>j * ld, ci + (<usize>j << 3), K, isAcc);
          dot1x1(ai + ld, b + <usize>j * ld, ci + ldc + (<usize>j << 3), K, isAcc);
        }
      }
      if (i < i1) {
        const ai = a + <usize>i * ld, ci = c + <usize>i * ldc;
        let j = j0;
        for (; j + 4 <= j1; j += 4) dot1x4(ai, b + <usize>j * ld, ld, ci + (<usize>j << 3), K, isAcc);
        for (; j < j1; j++) dot1x1(ai, b + <usize>j * ld, ci + (<usize>j << 3), K, isAcc);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): u64 {
  return <u64>i64x2.extract_lane(v, 0) + <u64>i64x2.extract_lane(v, 1);
}

/** c[r*ldc/8 + q] (+)= Σ_k a[r][k]·b[q][k] for r, q in {0,1}; a rows and b rows are ld bytes apart. */
function dot2x2(a0: usize, b0: usize, ld: usize, c: usize, ldc: usize, K: i32, acc: bool): void {
  const a1 = a0 + ld, b1 = b0 + ld;
  let s00 = i64x2.splat(0), s01 = s00, s10 = s00, s11 = s00;
  const end = <usize>K << 3, vend = end & ~15;
  let k: usize = 0;
  for (; k < vend; k += 16) {
    const x0 = v128.load(a0 + k), x1 = v128.load(a1 + k);
    const y0 = v128.load(b0 + k), y1 = v128.load(b1 + k);
    s00 = i64x2.add(s00, i64x2.mul(x0, y0));
    s01 = i64x2.add(s01, i64x2.mul(x0, y1));
    s10 = i64x2.add(s10, i64x2.mul(x1, y0));
    s11 = i64x2.add(s11, i64x2.mul(x1, y1));
  }
  let r00 = hsum(s00), r01 = hsum(s01), r10 = hsum(s10), r11 = hsum(s11);
  if (k < end) {
    const x0 = load<u64>(a0 + k), x1 = load<u64>(a1 + k), y0 = load<u64>(b0 + k), y1 = load<u64>(b1 + k);
    r00 += x0 * y0; r01 += x0 * y1; r10 += x1 * y0; r11 += x1 * y1;
  }
  const c1 = c + ldc;
  if (acc) {
    r00 += load<u64>(c); r01 += load<u64>(c, 8); r10 += load<u64>(c1); r11 += load<u64>(c1, 8);
  }
  store<u64>(c, r00); store<u64>(c, r01, 8); store<u64>(c1, r10); store<u64>(c1, r11, 8);
}

/** c[q] (+)= Σ_k a[k]·b[q][k] for q in 0..4. */
function dot1x4(a: usize, b0: usize, ld: usize, c: usize, K: i32, acc: bool): void {
  const b1 = b0 + ld, b2 = b1 + ld, b3 = b2 + ld;
  let s0 = i64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  const end = <usize>K << 3, vend = end & ~15;
  let k: usize = 0;
  for (; k < vend; k += 16) {
    const x = v128.load(a + k);
    s0 = i64x2.add(s0, i64x2.mul(x, v128.load(b0 + k)));
    s1 = i64x2.add(s1, i64x2.mul(x, v128.load(b1 + k)));
    s2 = i64x2.add(s2, i64x2.mul(x, v128.load(b2 + k)));
    s3 = i64x2.add(s3, i64x2.mul(x, v128.load(b3 + k)));
  }
  let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
  if (k < end) {
    const x = load<u64>(a + k);
    r0 += x * load<u64>(b0 + k); r1 += x * load<u64>(b1 + k);
    r2 += x * load<u64>(b2 + k); r3 += x * load<u64>(b3 + k);
  }
  if (acc) {
    r0 += load<u64>(c); r1 += load<u64>(c, 8); r2 += load<u64>(c, 16); r3 += load<u64>(c, 24);
  }
  store<u64>(c, r0); store<u64>(c, r1, 8); store<u64>(c, r2, 16); store<u64>(c, r3, 24);
}

/** c[0] (+)= Σ_k a[k]·b[k]. */
function dot1x1(a: usize, b: usize, c: usize, K: i32, acc: bool): void {
  let s = i64x2.splat(0);
  const end = <usize>K << 3, vend = end & ~15;
  let k: usize = 0;
  for (; k < vend; k += 16) s = i64x2.add(s, i64x2.mul(v128.load(a + k), v128.load(b + k)));
  let r = hsum(s);
  if (k < end) r += load<u64>(a + k) * load<u64>(b + k);
  if (acc) r += load<u64>(c);
  store<u64>(c, r);
}
