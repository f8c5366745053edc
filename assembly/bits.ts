/**
 * Bit-plane transpose of n u64 elements into 64 planes of W = ceil(n/64) words:
 * plane j (words j*W .. j*W+W-1) holds bit j of every element; element e sits at bit e%64 of
 * word floor(e/64) of the plane; padding bits are 0. Each group of 64 elements is a 64×64 bit
 * matrix transposed in place by the recursive block-swap method (6 stages, SIMD for the
 * stages with row distance >= 2, a shuffle-based SIMD stage for distance 1).
 */

/** Scratch for 8 blocks of 64 words (static data, below the JS-managed heap). */
const T: usize = memory.data(8 * 512, 64);

/**
 * Stage with row distance j >= 2: for every row r with bit j of r clear, exchange bit c+j of row
 * r with bit c of row r+j, for every column c with bit j of c clear (m = mask of those columns).
 */
// @ts-ignore: decorator
@inline function stage(T: usize, j: i32, m: u64): void {
  const mv = i64x2.splat(m);
  for (let r0 = 0; r0 < 64; r0 += j << 1) {
    for (let r = r0; r < r0 + j; r += 2) {
      const px = T + (<usize>r << 3), py = px + (<usize>j << 3);
      const x = v128.load(px), y = v128.load(py);
      const t = v128.and(v128.xor(i64x2.shr_u(x, j), y), mv);
      v128.store(py, v128.xor(y, t));
      v128.store(px, v128.xor(x, i64x2.shl(t, j)));
    }
  }
}

/** Stage with row distance 1, on four rows at a time (lanes regrouped by shuffles). */
// @ts-ignore: decorator
@inline function stage1(T: usize): void {
  const mv = i64x2.splat(0x5555555555555555);
  for (let p: usize = T; p < T + 512; p += 32) {
    const v0 = v128.load(p), v1 = v128.load(p, 16);
    let x = i64x2.shuffle(v0, v1, 0, 2); // rows r, r+2   (even rows)
    let y = i64x2.shuffle(v0, v1, 1, 3); // rows r+1, r+3 (odd rows)
    const t = v128.and(v128.xor(i64x2.shr_u(x, 1), y), mv);
    y = v128.xor(y, t);
    x = v128.xor(x, i64x2.shl(t, 1));
    v128.store(p, i64x2.shuffle(x, y, 0, 2));
    v128.store(p, i64x2.shuffle(x, y, 1, 3), 16);
  }
}

/** Transposes the 64×64 bit matrix at p in place (row r = word r, column c = bit c). */
function transpose64(p: usize): void {
  stage(p, 32, 0x00000000ffffffff);
  stage(p, 16, 0x0000ffff0000ffff);
  stage(p, 8, 0x00ff00ff00ff00ff);
  stage(p, 4, 0x0f0f0f0f0f0f0f0f);
  stage(p, 2, 0x3333333333333333);
  stage1(p);
}

/** Copies block w (64 elements, zero-padded past n) of a into dst. */
// @ts-ignore: decorator
@inline function loadBlock(dst: usize, a: usize, w: i32, n: i32): void {
  const cnt = min<i32>(64, n - (w << 6));
  const bytes = <usize>cnt << 3;
  memory.copy(dst, a + (<usize>w << 9), bytes);
  if (cnt < 64) memory.fill(dst + bytes, 0, 512 - bytes);
}

/**
 * o: [64*W] planes, a: [n] elements. o must not overlap a.
 * Blocks go 8 at a time so each plane receives 8 consecutive words (one 64-byte line) per
 * group: the 64 destinations are W words apart, which for large n all fall in the same cache
 * set, and writing each line once and whole avoids thrashing it.
 */
export function bitPlanes(o: usize, a: usize, n: i32): void {
  const W = (n + 63) >>> 6;
  const stride = <usize>W << 3;
  const G = W & ~7;
  for (let w0 = 0; w0 < G; w0 += 8) {
    for (let b = 0; b < 8; b++) {
      const blk = T + (<usize>b << 9);
      loadBlock(blk, a, w0 + b, n);
      transpose64(blk);
    }
    let q = o + (<usize>w0 << 3);
    for (let j: usize = 0; j < 512; j += 8) {
      const r = T + j;
      v128.store(q, i64x2.replace_lane(v128.load64_splat(r), 1, load<i64>(r, 512)));
      v128.store(q, i64x2.replace_lane(v128.load64_splat(r, 1024), 1, load<i64>(r, 1536)), 16);
      v128.store(q, i64x2.replace_lane(v128.load64_splat(r, 2048), 1, load<i64>(r, 2560)), 32);
      v128.store(q, i64x2.replace_lane(v128.load64_splat(r, 3072), 1, load<i64>(r, 3584)), 48);
      q += stride;
    }
  }
  for (let w = G; w < <i32>W; w++) {
    loadBlock(T, a, w, n);
    transpose64(T);
    let q = o + (<usize>w << 3);
    for (let j: usize = 0; j < 512; j += 8) {
      store<u64>(q, load<u64>(T + j));
      q += stride;
    }
  }
}

/** Inverse of bitPlanes: o: [n] elements, planes: [64*W]. o must not overlap planes. */
export function fromBitPlanes(o: usize, planes: usize, n: i32): void {
  const W = (n + 63) >>> 6;
  const stride = <usize>W << 3;
  const G = W & ~7;
  for (let w0 = 0; w0 < G; w0 += 8) {
    let q = planes + (<usize>w0 << 3);
    for (let j: usize = 0; j < 512; j += 8) {
      const r = T + j;
      const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
      v128.store64_lane(r, v0, 0); v128.store64_lane(r, v0, 1, 512);
      v128.store64_lane(r, v1, 0, 1024); v128.store64_lane(r, v1, 1, 1536);
      v128.store64_lane(r, v2, 0, 2048); v128.store64_lane(r, v2, 1, 2560);
      v128.store64_lane(r, v3, 0, 3072); v128.store64_lane(r, v3, 1, 3584);
      q += stride;
    }
    for (let b = 0; b < 8; b++) {
      const blk = T + (<usize>b << 9), w = w0 + b;
      transpose64(blk);
      memory.copy(o + (<usize>w << 9), blk, <usize>min<i32>(64, n - (w << 6)) << 3);
    }
  }
  for (let w = G; w < <i32>W; w++) {
    let q = planes + (<usize>w << 3);
    for (let j: usize = 0; j < 512; j += 8) {
      store<u64>(T + j, load<u64>(q));
      q += stride;
    }
    transpose64(T);
    memory.copy(o + (<usize>w << 9), T, <usize>min<i32>(64, n - (w << 6)) << 3);
  }
}
