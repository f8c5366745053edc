/**
 * Z_2^64 matrix products, row-major, byte pointers, i64x2 SIMD.
 *
 *   mm   : c (+)= a·b    a: [M,K], b: [K,N], c: [M,N]
 *   mmTB : c (+)= a·bᵀ   a: [M,K], b: [N,K], c: [M,N]
 *
 * `acc` = 0 overwrites c, 1 accumulates into it. c must not overlap a or b.
 *
 * mm: K is cut into blocks of KC rows of b (summed into c); for each row block of a (see
 * A_BLOCK_BYTES), b is packed 8 columns at a time into a
 * scratch of K·64 bytes (`scratch`, supplied by the caller) and a 4×4 register-blocked
 * micro-kernel (4 rows of a × 4 columns of b, 64-bit products split into 32-bit halves, see
 * kernel4x4) runs over it. Leftover columns (N mod 4) and rows (M mod 4)
 * go through a row kernel that streams 4 rows of b at a time into one row of c; so do all rows
 * when M < PACK_MIN_ROWS, where packing does not pay.
 * mmTB: both operands are contiguous along k, so it is a blocked dot-product kernel (2 rows of
 * a × 2 rows of b, SIMD along k, same 32-bit split) — no transpose, no scratch. A leftover row
 * of a (and M = 1) goes through a 1×8 kernel streaming 8 rows of b.
 * mmCols / mmTBCols compute a column range [j0, j1) of c only: the slice one worker thread of
 * src/ring/matmul-pool.ts takes (disjoint ranges write disjoint parts of c, no shared scratch).
 */

/**
 * Cache blocking, in bytes of operand per block. Measured on the 2-core EPYC (L1d 32 KiB, L2 1 MiB,
 * L3 32 MiB): large row blocks of a (L3-resident) beat L2-sized ones because they amortize the
 * packing of b; for mmTB a block of b rows small enough for L1 with a streaming past it is best.
 */
const A_BLOCK_BYTES: usize = 4096 * 1024;
const TB_A_BLOCK_BYTES: usize = 4096 * 1024;
const TB_B_BLOCK_BYTES: usize = 32 * 1024;
/** Below this many rows of a, packing b does not pay; every row goes through rowKernel. */
const PACK_MIN_ROWS = 12;

/**
 * Rows of b per k-block: a packed 8-column panel of KC rows is KC·64 bytes (256 KiB, L2-resident);
 * taller operands (the embedding's [n, 50257]·[50257, D]) are summed over k-blocks, otherwise the
 * panels would stream from memory once per row block of a.
 */
const KC: i32 = 4096;

export function mm(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32, scratch: usize): void {
  mmCols(c, a, b, M, K, N, acc, scratch, 0, N);
}

/**
 * Columns [j0, j1) of c (+)= a·b (j0 a multiple of 8, or j1 = N): the slice of mm one worker
 * thread computes; disjoint column ranges write disjoint parts of c.
 */
export function mmCols(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32, scratch: usize, j0: i32, j1: i32): void {
  const lda = <usize>K << 3, ldb = <usize>N << 3;
  if (K == 0) {
    if (acc == 0) for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldb + (<usize>j0 << 3), 0, <usize>(j1 - j0) << 3);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kk = min<i32>(KC, K - k0);
    mmBlock(c, a + (<usize>k0 << 3), lda, b + <usize>k0 * ldb, M, kk, N, acc != 0 || k0 > 0, scratch, j0, j1);
  }
}

/** One k-block: a has row stride lda bytes and K (≤ KC) columns here; columns [j0, j1) of c. */
function mmBlock(c: usize, a: usize, lda: usize, b: usize, M: i32, K: i32, N: i32, isAcc: bool, scratch: usize, j0: i32, j1: i32): void {
  const ldb = <usize>N << 3, ldc = <usize>N << 3;
  const M4 = M < PACK_MIN_ROWS ? 0 : M & ~3, N4 = j0 + ((j1 - j0) & ~3), nTail = j1 - N4;
  const panelBytes = <usize>K << 5;
  const mb = max<i32>(4, <i32>(A_BLOCK_BYTES / max<usize>(<usize>K << 3, 8)) & ~3);
  for (let i0 = 0; i0 < M4; i0 += mb) {
    const i1 = min<i32>(i0 + mb, M4);
    for (let j = j0; j < N4; j += 8) {
      const two = j + 8 <= N4;
      packPanels(scratch, b + (<usize>j << 3), ldb, K, two);
      for (let i = i0; i < i1; i += 4) {
        const ai = a + <usize>i * lda, ci = c + <usize>i * ldc + (<usize>j << 3);
        kernel4x4(ai, lda, scratch, ci, ldc, K, isAcc);
        if (two) kernel4x4(ai, lda, scratch + panelBytes, ci + 32, ldc, K, isAcc);
      }
    }
    if (nTail > 0) {
      const bj = b + (<usize>N4 << 3);
      for (let i = i0; i < i1; i++) {
        rowKernel(a + <usize>i * lda, bj, ldb, c + <usize>i * ldc + (<usize>N4 << 3), nTail, K, isAcc);
      }
    }
  }
  const bj = b + (<usize>j0 << 3);
  for (let i = M4; i < M; i++) rowKernel(a + <usize>i * lda, bj, ldb, c + <usize>i * ldc + (<usize>j0 << 3), j1 - j0, K, isAcc);
}

/**
 * Packs 4 (or, if `two`, 8) columns of b [K, ·] (row stride ldb bytes) into contiguous panels
 * of 4 columns: panel q at dst + q·K·32, row k at +k·32 holds the low u32 halves of the 4
 * values (16 bytes) then the high halves (16 bytes) — the split kernel4x4 consumes. Reading 8
 * columns is one 64-byte line per k; the panels are contiguous, so the kernel streams them
 * without the cache-set conflicts a large power-of-two-ish row stride causes.
 */
function packPanels(dst: usize, b: usize, ldb: usize, K: i32, two: bool): void {
  const second = dst + (<usize>K << 5);
  if (two) {
    for (let k: usize = 0, end = <usize>K << 5; k < end; k += 32) {
      const v0 = v128.load(b), v1 = v128.load(b, 16), v2 = v128.load(b, 32), v3 = v128.load(b, 48);
      v128.store(dst + k, i32x4.shuffle(v0, v1, 0, 2, 4, 6));
      v128.store(dst + k, i32x4.shuffle(v0, v1, 1, 3, 5, 7), 16);
      v128.store(second + k, i32x4.shuffle(v2, v3, 0, 2, 4, 6));
      v128.store(second + k, i32x4.shuffle(v2, v3, 1, 3, 5, 7), 16);
      b += ldb;
    }
  } else {
    for (let k: usize = 0, end = <usize>K << 5; k < end; k += 32) {
      const v0 = v128.load(b), v1 = v128.load(b, 16);
      v128.store(dst + k, i32x4.shuffle(v0, v1, 0, 2, 4, 6));
      v128.store(dst + k, i32x4.shuffle(v0, v1, 1, 3, 5, 7), 16);
      b += ldb;
    }
  }
}

/**
 * c[0..4, 0..4] (+)= a[0..4, 0..K] · b[0..K, 0..4]; a, c row strides in bytes; b is one packed
 * panel (see packPanels).
 *
 * wasm has no native 64-bit lane multiply (engines emulate i64x2.mul with three 32×32→64
 * multiplies, shifts and adds), so the product is split by hand and the expensive part is
 * deferred to the end:  x·y mod 2^64 = lo(x)·lo(y) + ((hi(x)·lo(y) + lo(x)·hi(y)) mod 2^32)·2^32.
 * Per k, the 4 b values come pre-split into lo/hi u32 lanes (packPanels), each a value is
 * loaded as two u32 splats, the lo·lo products accumulate in i64x2 lanes (extmul) and the cross
 * terms in i32x4 lanes (i32x4.mul, which wraps mod 2^32 as needed); they are combined once per
 * output tile. 12 accumulators (3 per row) stay in registers.
 */
function kernel4x4(a: usize, lda: usize, b: usize, c: usize, ldc: usize, K: i32, acc: bool): void {
  const z = i64x2.splat(0);
  let x0 = z, p0 = z, q0 = z, x1 = z, p1 = z, q1 = z, x2 = z, p2 = z, q2 = z, x3 = z, p3 = z, q3 = z;
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
  for (let k: usize = 0, kEnd = <usize>K << 3; k < kEnd; k += 8) {
    const bl = v128.load(b), bh = v128.load(b, 16);
    let al = v128.load32_splat(a + k), ah = v128.load32_splat(a + k, 4);
    x0 = i32x4.add(x0, i32x4.add(i32x4.mul(ah, bl), i32x4.mul(al, bh)));
    p0 = i64x2.add(p0, i64x2.extmul_low_i32x4_u(al, bl));
    q0 = i64x2.add(q0, i64x2.extmul_high_i32x4_u(al, bl));
    al = v128.load32_splat(a1 + k); ah = v128.load32_splat(a1 + k, 4);
    x1 = i32x4.add(x1, i32x4.add(i32x4.mul(ah, bl), i32x4.mul(al, bh)));
    p1 = i64x2.add(p1, i64x2.extmul_low_i32x4_u(al, bl));
    q1 = i64x2.add(q1, i64x2.extmul_high_i32x4_u(al, bl));
    al = v128.load32_splat(a2 + k); ah = v128.load32_splat(a2 + k, 4);
    x2 = i32x4.add(x2, i32x4.add(i32x4.mul(ah, bl), i32x4.mul(al, bh)));
    p2 = i64x2.add(p2, i64x2.extmul_low_i32x4_u(al, bl));
    q2 = i64x2.add(q2, i64x2.extmul_high_i32x4_u(al, bl));
    al = v128.load32_splat(a3 + k); ah = v128.load32_splat(a3 + k, 4);
    x3 = i32x4.add(x3, i32x4.add(i32x4.mul(ah, bl), i32x4.mul(al, bh)));
    p3 = i64x2.add(p3, i64x2.extmul_low_i32x4_u(al, bl));
    q3 = i64x2.add(q3, i64x2.extmul_high_i32x4_u(al, bl));
    b += 32;
  }
  storeRow(c, x0, p0, q0, acc);
  storeRow(c + ldc, x1, p1, q1, acc);
  storeRow(c + 2 * ldc, x2, p2, q2, acc);
  storeRow(c + 3 * ldc, x3, p3, q3, acc);
}

/** c[0..4] (+)= lolo + cross·2^32, where lolo = (p: columns 0,1; q: columns 2,3), cross = x (u32 lanes). */
// @ts-ignore: decorator
@inline function storeRow(c: usize, x: v128, p: v128, q: v128, acc: bool): void {
  let lo = i64x2.add(p, i64x2.shl(i64x2.extend_low_i32x4_u(x), 32));
  let hi = i64x2.add(q, i64x2.shl(i64x2.extend_high_i32x4_u(x), 32));
  if (acc) {
    lo = i64x2.add(lo, v128.load(c));
    hi = i64x2.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
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
  mmTBCols(c, a, b, M, K, N, acc, 0, N);
}

/** Columns [j0, j1) of c (+)= a·bᵀ, i.e. rows [j0, j1) of b: one worker thread's slice of mmTB. */
export function mmTBCols(c: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  const ld = <usize>K << 3, ldc = <usize>N << 3;
  const isAcc = acc != 0;
  const mb = max<i32>(2, <i32>(TB_A_BLOCK_BYTES / max<usize>(ld, 8)) & ~1);
  const nb = max<i32>(8, <i32>(TB_B_BLOCK_BYTES / max<usize>(ld, 8)) & ~7);
  for (let i0 = 0; i0 < M; i0 += mb) {
    const i1 = min<i32>(i0 + mb, M);
    for (let jb = j0; jb < j1; jb += nb) {
      const je = min<i32>(jb + nb, j1);
      let i = i0;
      for (; i + 2 <= i1; i += 2) {
        const ai = a + <usize>i * ld, ci = c + <usize>i * ldc;
        let j = jb;
        for (; j + 2 <= je; j += 2) dot2x2(ai, b + <usize>j * ld, ld, ci + (<usize>j << 3), ldc, K, isAcc);
        if (j < je) {
          dot1x1(ai, b + <usize>j * ld, ci + (<usize>j << 3), K, isAcc);
          dot1x1(ai + ld, b + <usize>j * ld, ci + ldc + (<usize>j << 3), K, isAcc);
        }
      }
      if (i < i1) {
        const ai = a + <usize>i * ld, ci = c + <usize>i * ldc;
        let j = jb;
        for (; j + 8 <= je; j += 8) dot1x8(ai, b + <usize>j * ld, ld, ci + (<usize>j << 3), K, isAcc);
        for (; j < je; j++) dot1x1(ai, b + <usize>j * ld, ci + (<usize>j << 3), K, isAcc);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): u64 {
  return <u64>i64x2.extract_lane(v, 0) + <u64>i64x2.extract_lane(v, 1);
}

/**
 * c[r*ldc/8 + q] (+)= Σ_k a[r][k]·b[q][k] for r, q in {0,1}; a rows and b rows are ld bytes apart.
 * Four k at a time, each operand split into lo/hi u32 lanes as in kernel4x4; k mod 4 is scalar.
 */
function dot2x2(a0: usize, b0: usize, ld: usize, c: usize, ldc: usize, K: i32, acc: bool): void {
  const a1 = a0 + ld, b1 = b0 + ld;
  const z = i64x2.splat(0);
  let x00 = z, x01 = z, x10 = z, x11 = z, l00 = z, l01 = z, l10 = z, l11 = z;
  const end = <usize>K << 3, vend = end & ~31;
  let k: usize = 0;
  for (; k < vend; k += 32) {
    let u = v128.load(a0 + k), v = v128.load(a0 + k, 16);
    const al0 = i32x4.shuffle(u, v, 0, 2, 4, 6), ah0 = i32x4.shuffle(u, v, 1, 3, 5, 7);
    u = v128.load(a1 + k); v = v128.load(a1 + k, 16);
    const al1 = i32x4.shuffle(u, v, 0, 2, 4, 6), ah1 = i32x4.shuffle(u, v, 1, 3, 5, 7);
    u = v128.load(b0 + k); v = v128.load(b0 + k, 16);
    const bl0 = i32x4.shuffle(u, v, 0, 2, 4, 6), bh0 = i32x4.shuffle(u, v, 1, 3, 5, 7);
    u = v128.load(b1 + k); v = v128.load(b1 + k, 16);
    const bl1 = i32x4.shuffle(u, v, 0, 2, 4, 6), bh1 = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x00 = i32x4.add(x00, i32x4.add(i32x4.mul(al0, bh0), i32x4.mul(ah0, bl0)));
    l00 = i64x2.add(l00, i64x2.add(i64x2.extmul_low_i32x4_u(al0, bl0), i64x2.extmul_high_i32x4_u(al0, bl0)));
    x01 = i32x4.add(x01, i32x4.add(i32x4.mul(al0, bh1), i32x4.mul(ah0, bl1)));
    l01 = i64x2.add(l01, i64x2.add(i64x2.extmul_low_i32x4_u(al0, bl1), i64x2.extmul_high_i32x4_u(al0, bl1)));
    x10 = i32x4.add(x10, i32x4.add(i32x4.mul(al1, bh0), i32x4.mul(ah1, bl0)));
    l10 = i64x2.add(l10, i64x2.add(i64x2.extmul_low_i32x4_u(al1, bl0), i64x2.extmul_high_i32x4_u(al1, bl0)));
    x11 = i32x4.add(x11, i32x4.add(i32x4.mul(al1, bh1), i32x4.mul(ah1, bl1)));
    l11 = i64x2.add(l11, i64x2.add(i64x2.extmul_low_i32x4_u(al1, bl1), i64x2.extmul_high_i32x4_u(al1, bl1)));
  }
  let r00 = combine(x00, l00), r01 = combine(x01, l01), r10 = combine(x10, l10), r11 = combine(x11, l11);
  for (; k < end; k += 8) {
    const x0 = load<u64>(a0 + k), x1 = load<u64>(a1 + k), y0 = load<u64>(b0 + k), y1 = load<u64>(b1 + k);
    r00 += x0 * y0; r01 += x0 * y1; r10 += x1 * y0; r11 += x1 * y1;
  }
  const c1 = c + ldc;
  if (acc) {
    r00 += load<u64>(c); r01 += load<u64>(c, 8); r10 += load<u64>(c1); r11 += load<u64>(c1, 8);
  }
  store<u64>(c, r00); store<u64>(c, r01, 8); store<u64>(c1, r10); store<u64>(c1, r11, 8);
}

/** Σ lanes of lolo (u64) + (Σ lanes of cross (u32)) · 2^32, mod 2^64. */
// @ts-ignore: decorator
@inline function combine(cross: v128, lolo: v128): u64 {
  const x = <u32>(i32x4.extract_lane(cross, 0) + i32x4.extract_lane(cross, 1) + i32x4.extract_lane(cross, 2) + i32x4.extract_lane(cross, 3));
  return hsum(lolo) + (<u64>x << 32);
}

/**
 * c[q] (+)= Σ_k a[k]·b[q][k] for q in 0..8: one row of a against 8 rows of b (eight concurrent
 * streams keep memory busy when M is 1), four k at a time with the 32-bit split; k mod 4 scalar.
 */
function dot1x8(a: usize, b: usize, ld: usize, c: usize, K: i32, acc: bool): void {
  const z = i64x2.splat(0);
  let x0 = z, x1 = z, x2 = z, x3 = z, x4 = z, x5 = z, x6 = z, x7 = z;
  let l0 = z, l1 = z, l2 = z, l3 = z, l4 = z, l5 = z, l6 = z, l7 = z;
  const end = <usize>K << 3, vend = end & ~31;
  let k: usize = 0;
  for (; k < vend; k += 32) {
    let u = v128.load(a + k), v = v128.load(a + k, 16);
    const al = i32x4.shuffle(u, v, 0, 2, 4, 6), ah = i32x4.shuffle(u, v, 1, 3, 5, 7);
    let p = b + k;
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    let bl = i32x4.shuffle(u, v, 0, 2, 4, 6), bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x0 = i32x4.add(x0, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l0 = i64x2.add(l0, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x1 = i32x4.add(x1, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l1 = i64x2.add(l1, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x2 = i32x4.add(x2, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l2 = i64x2.add(l2, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x3 = i32x4.add(x3, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l3 = i64x2.add(l3, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x4 = i32x4.add(x4, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l4 = i64x2.add(l4, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x5 = i32x4.add(x5, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l5 = i64x2.add(l5, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16); p += ld;
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x6 = i32x4.add(x6, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l6 = i64x2.add(l6, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
    u = v128.load(p); v = v128.load(p, 16);
    bl = i32x4.shuffle(u, v, 0, 2, 4, 6); bh = i32x4.shuffle(u, v, 1, 3, 5, 7);
    x7 = i32x4.add(x7, i32x4.add(i32x4.mul(al, bh), i32x4.mul(ah, bl)));
    l7 = i64x2.add(l7, i64x2.add(i64x2.extmul_low_i32x4_u(al, bl), i64x2.extmul_high_i32x4_u(al, bl)));
  }
  let r0 = combine(x0, l0), r1 = combine(x1, l1), r2 = combine(x2, l2), r3 = combine(x3, l3);
  let r4 = combine(x4, l4), r5 = combine(x5, l5), r6 = combine(x6, l6), r7 = combine(x7, l7);
  for (; k < end; k += 8) {
    const x = load<u64>(a + k);
    let p = b + k;
    r0 += x * load<u64>(p); p += ld;
    r1 += x * load<u64>(p); p += ld;
    r2 += x * load<u64>(p); p += ld;
    r3 += x * load<u64>(p); p += ld;
    r4 += x * load<u64>(p); p += ld;
    r5 += x * load<u64>(p); p += ld;
    r6 += x * load<u64>(p); p += ld;
    r7 += x * load<u64>(p);
  }
  if (acc) {
    r0 += load<u64>(c); r1 += load<u64>(c, 8); r2 += load<u64>(c, 16); r3 += load<u64>(c, 24);
    r4 += load<u64>(c, 32); r5 += load<u64>(c, 40); r6 += load<u64>(c, 48); r7 += load<u64>(c, 56);
  }
  store<u64>(c, r0); store<u64>(c, r1, 8); store<u64>(c, r2, 16); store<u64>(c, r3, 24);
  store<u64>(c, r4, 32); store<u64>(c, r5, 40); store<u64>(c, r6, 48); store<u64>(c, r7, 56);
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
