/**
 * Bit-plane transpose of n u64 elements into 64 planes of W = ceil(n/64) words:
 * plane j (words j*W .. j*W+W-1) holds bit j of every element; element e sits at bit e%64 of
 * word floor(e/64) of the plane; padding bits are 0. Each group of 64 elements is a 64×64 bit
 * matrix transposed in place by the recursive block-swap method (6 stages, SIMD for the
 * stages with row distance >= 2, a shuffle-based SIMD stage for distance 1).
 */

/** 64-word scratch block (static data, below the JS-managed heap). */
const T: usize = memory.data(64 * 8, 16);

/**
 * Stage with row distance j >= 2: for every row r with bit j of r clear, exchange bit c+j of row
 * r with bit c of row r+j, for every column c with bit j of c clear (m = mask of those columns).
 */
// @ts-ignore: decorator
@inline function stage(j: i32, m: u64): void {
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
@inline function stage1(): void {
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

function transpose64(): void {
  stage(32, 0x00000000ffffffff);
  stage(16, 0x0000ffff0000ffff);
  stage(8, 0x00ff00ff00ff00ff);
  stage(4, 0x0f0f0f0f0f0f0f0f);
  stage(2, 0x3333333333333333);
  stage1();
}

/** o: [64*W] planes, a: [n] elements. o must not overlap a. */
export function bitPlanes(o: usize, a: usize, n: i32): void {
  const W = (n + 63) >>> 6;
  const strideBytes = <usize>W << 3;
  for (let w = 0; w < W; w++) {
    const cnt = min<i32>(64, n - (w << 6));
    const bytes = <usize>cnt << 3;
    memory.copy(T, a + (<usize>w << 9), bytes);
    if (cnt < 64) memory.fill(T + bytes, 0, 512 - bytes);
    transpose64();
    let q = o + (<usize>w << 3);
    for (let j: usize = 0; j < 512; j += 8) {
      store<u64>(q, load<u64>(T + j));
      q += strideBytes;
    }
  }
}

/** Inverse of bitPlanes: o: [n] elements, planes: [64*W]. o must not overlap planes. */
export function fromBitPlanes(o: usize, planes: usize, n: i32): void {
  const W = (n + 63) >>> 6;
  const strideBytes = <usize>W << 3;
  for (let w = 0; w < W; w++) {
    const cnt = min<i32>(64, n - (w << 6));
    let q = planes + (<usize>w << 3);
    for (let j: usize = 0; j < 512; j += 8) {
      store<u64>(T + j, load<u64>(q));
      q += strideBytes;
    }
    transpose64();
    memory.copy(o + (<usize>w << 9), T, <usize>cnt << 3);
  }
}
