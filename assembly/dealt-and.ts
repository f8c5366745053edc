/**
 * The local work of the dealt multi-input AND gates (src/protocols/dealt-and.ts) on bit planes:
 * every plane is W u64 words, planes of one array lie W words apart.
 *
 * andEval: per product T (a compiled program, see RingKernels.andEval), the subset products of
 * the opened planes d over T (a subset DP in `scratch`, 2^t planes), then
 *   out ^= ⊕_{S ⊆ T} (∧_{i ∈ T∖S} d_i) ∧ R_S,   R_{i} = mask plane i, R_S (|S| ≥ 2) = dealt plane,
 * the S = ∅ term (public) only when `pub` is set. A one-wire product XORs in its wire plane.
 * andDeal: out plane j ^= ∧ of the planes r listed for set j.
 * Shape: SIMD over pairs of words, then at most one scalar word.
 */

// @ts-ignore: decorator
@inline function copyPlane(o: usize, a: usize, W: i32): void {
  memory.copy(o, a, <usize>W << 3);
}

// @ts-ignore: decorator
@inline function andPlanes(o: usize, a: usize, b: usize, W: i32): void {
  const end = <usize>W << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.and(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(o + i, load<u64>(a + i) & load<u64>(b + i));
}

// @ts-ignore: decorator
@inline function xorPlane(o: usize, a: usize, W: i32): void {
  const end = <usize>W << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.xor(v128.load(o + i), v128.load(a + i)));
  if (i < end) store<u64>(o + i, load<u64>(o + i) ^ load<u64>(a + i));
}

// @ts-ignore: decorator
@inline function xorAndPlanes(o: usize, a: usize, b: usize, W: i32): void {
  const end = <usize>W << 3, vend = end & ~15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(o + i, v128.xor(v128.load(o + i), v128.and(v128.load(a + i), v128.load(b + i))));
  if (i < end) store<u64>(o + i, load<u64>(o + i) ^ (load<u64>(a + i) & load<u64>(b + i)));
}

/** out must be zero on entry (the JS side clears it); prog: progLen i32 words. */
export function andEval(o: usize, wires: usize, d: usize, mask: usize, dealt: usize, prog: usize, progLen: i32, W: i32, pub: i32, scratch: usize): void {
  const wb = <usize>W << 3;
  let i = 0;
  while (i < progLen) {
    const out = o + <usize>load<i32>(prog + (<usize>i << 2)) * wb;
    const single = load<i32>(prog + (<usize>(i + 1) << 2));
    const t = load<i32>(prog + (<usize>(i + 2) << 2));
    i += 3;
    if (single >= 0) {
      xorPlane(out, wires + <usize>single * wb, W);
      continue;
    }
    const slots = prog + (<usize>i << 2);
    i += t;
    const full = (1 << t) - 1;
    const src = prog + (<usize>(i - 1) << 2); // src[m] for m ≥ 1
    i += full;
    for (let m = 1; m <= full; m++) {
      const low = ctz<i32>(m);
      const rest = m & (m - 1);
      const from = d + <usize>load<i32>(slots + (<usize>low << 2)) * wb;
      const at = scratch + <usize>m * wb;
      if (rest == 0) copyPlane(at, from, W);
      else andPlanes(at, scratch + <usize>rest * wb, from, W);
    }
    if (pub) xorPlane(out, scratch + <usize>full * wb, W);
    for (let m = 1; m <= full; m++) {
      const R = (m & (m - 1)) == 0 ? mask : dealt;
      const from = R + <usize>load<i32>(src + (<usize>m << 2)) * wb;
      if (m == full) xorPlane(out, from, W);
      else xorAndPlanes(out, scratch + <usize>(full ^ m) * wb, from, W);
    }
  }
}

/** sets: setsLen i32 words, per set [size, slot…]; out plane j ^= ∧ of r's planes at those slots. */
export function andDeal(o: usize, r: usize, sets: usize, setsLen: i32, W: i32, scratch: usize): void {
  const wb = <usize>W << 3;
  let i = 0;
  let j: usize = 0;
  while (i < setsLen) {
    const size = load<i32>(sets + (<usize>i << 2));
    const first = r + <usize>load<i32>(sets + (<usize>(i + 1) << 2)) * wb;
    andPlanes(scratch, first, r + <usize>load<i32>(sets + (<usize>(i + 2) << 2)) * wb, W);
    for (let q = 3; q <= size; q++) andPlanes(scratch, scratch, r + <usize>load<i32>(sets + (<usize>(i + q) << 2)) * wb, W);
    xorPlane(o + j * wb, scratch, W);
    i += size + 1;
    j++;
  }
}
