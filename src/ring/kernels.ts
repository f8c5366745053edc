/**
 * Z_2^64 ring kernels: the interface every implementation provides, and `jsKernels`, the plain
 * BigInt reference the WebAssembly kernels (wasm-kernels.ts) are tested against (the bit-plane
 * gates andEval / andDeal work on 32-bit words instead: plain JS, no BigInt).
 *
 * Conventions (all implementations):
 * - Arrays are BigUint64Array unless stated; arithmetic is mod 2^64 (storing a BigInt into a
 *   BigUint64Array reduces it, so the typed array *is* the ring).
 * - `out` may alias an input for elementwise ops (add … andScalar, encodeFixed/decodeFixed
 *   excepted since the element types differ). `out` must NOT alias an input for matmul*,
 *   sumRows, sumCols, bitPlanes, fromBitPlanes.
 * - Lengths are validated by the caller (the protocol layer); kernels do no checks in loops.
 * - Scalars `s: bigint` are taken mod 2^64 (negative values allowed).
 */
/** The four matrix products of RingKernels, by method name. */
export type MatmulOp = 'matmul' | 'matmulAcc' | 'matmulTB' | 'matmulTBAcc';

export interface RingKernels {
  readonly name: string;
  /**
   * Optional: one of the four matrix products, possibly on worker threads (see matmul-pool.ts);
   * resolves once `out` is written, with the same result as the synchronous method. Protocol
   * matmuls use it when present; everything else stays synchronous.
   */
  matmulAsync?(op: MatmulOp, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): Promise<void>;
  /** out[i] = a[i] + b[i] */
  add(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  /** out[i] = a[i] - b[i] */
  sub(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  /** out[i] = -a[i] */
  neg(out: BigUint64Array, a: BigUint64Array): void;
  /** out[i] = a[i] · b[i] (elementwise) */
  mul(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  /** out[i] = a[i] + s */
  addScalar(out: BigUint64Array, a: BigUint64Array, s: bigint): void;
  /** out[i] = a[i] · s */
  mulScalar(out: BigUint64Array, a: BigUint64Array, s: bigint): void;
  /** out[M*N] = a[M*K] · b[K*N], row-major */
  matmul(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void;
  /** out[M*N] += a[M*K] · b[K*N] */
  matmulAcc(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void;
  /** out[M*N] = a[M*K] · b[N*K]ᵀ */
  matmulTB(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void;
  /** out[M*N] += a[M*K] · b[N*K]ᵀ */
  matmulTBAcc(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void;
  /** out[i] = a[i] << s, s in [0, 63] */
  shl(out: BigUint64Array, a: BigUint64Array, s: number): void;
  /** out[i] = a[i] >>> s (zero fill), s in [0, 63] */
  shrLogical(out: BigUint64Array, a: BigUint64Array, s: number): void;
  /** out[i] = a[i] >> s (sign fill, a[i] read as int64), s in [0, 63] */
  shrArith(out: BigUint64Array, a: BigUint64Array, s: number): void;
  and(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  or(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  xor(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  not(out: BigUint64Array, a: BigUint64Array): void;
  /** out[i] = a[i] & s */
  andScalar(out: BigUint64Array, a: BigUint64Array, s: bigint): void;
  /** out[r] = Σ_c a[r*cols + c]   (sum along the last axis; out: [rows]) */
  sumRows(out: BigUint64Array, a: BigUint64Array, rows: number, cols: number): void;
  /** out[c] = Σ_r a[r*cols + c]   (sum along the first axis; out: [cols]) */
  sumCols(out: BigUint64Array, a: BigUint64Array, rows: number, cols: number): void;
  /**
   * Bit transpose. With W = ceil(n/64), out has 64·W words; plane j = out[j*W .. j*W+W) holds
   * bit j of every element: element e at bit (e % 64) of word floor(e / 64). Padding bits are 0.
   */
  bitPlanes(out: BigUint64Array, a: BigUint64Array, n: number): void;
  /** Inverse of bitPlanes: out[n] from planes[64 * ceil(n/64)]. */
  fromBitPlanes(out: BigUint64Array, planes: BigUint64Array, n: number): void;
  /**
   * out[i] = clamp(roundHalfEven(x[i] · 2^fracBits), -2^62, 2^62 - 1) as two's complement.
   * Rounding is to nearest, ties to even (IEEE roundTiesToEven, wasm f64.nearest).
   * The caller has already rejected NaN/±Inf (see fixed-point.ts).
   */
  encodeFixed(out: BigUint64Array, x: Float64Array, fracBits: number): void;
  /** out[i] = int64(a[i]) / 2^fracBits (int64 → f64 rounds to nearest, ties to even). */
  decodeFixed(out: Float64Array, a: BigUint64Array, fracBits: number): void;
  /**
   * The dealt AND gates' local evaluation (protocols/dealt-and.ts) on bit planes of W words
   * (plane i of an array at [i·W, (i+1)·W)). `prog` lists products one after another:
   * [output, wire, 0] for a one-wire product (out ^= wires' plane `wire`), or
   * [output, −1, t, slot_0 … slot_{t−1}, src_1 … src_{2^t−1}] for t ≥ 2 wires, where slot_j is
   * the j-th wire's plane in `d` and src_m, for the subset S of wires in mask m, is its plane in
   * `mask` (|S| = 1) or in `dealt` (|S| ≥ 2). Such a product adds
   *   ⊕_{S ⊆ T} (∧_{i ∈ T∖S} d_i) ∧ R_S   (the S = ∅ term, ∧ of all d, only if `publicTerm`).
   * out ([outputs·W]) is overwritten. 2 ≤ t ≤ 8.
   */
  andEval(out: BigUint64Array, wires: BigUint64Array, d: BigUint64Array, mask: BigUint64Array, dealt: BigUint64Array, prog: Int32Array, W: number, publicTerm: boolean): void;
  /** out plane j ^= ∧ of the planes of r listed for set j; `sets` is [size, plane…] per set (size ≥ 2). */
  andDeal(out: BigUint64Array, r: BigUint64Array, sets: Int32Array, W: number): void;
}

/** 32-bit views of u64 arrays (bit-plane loops in plain JS without BigInt). */
const u32 = (x: BigUint64Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);

const TWO62 = 2 ** 62;
const MAX_FIXED = (1n << 62n) - 1n;
const MIN_FIXED = -(1n << 62n);

/** Round to nearest integer, ties to even (Math.round rounds ties toward +∞). */
export function roundHalfEven(t: number): number {
  const r = Math.round(t);
  return r - t === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The BigInt reference: one obvious loop per op, no cleverness. */
export const jsKernels: RingKernels = {
  name: 'js',
  add(out, a, b) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
  },
  sub(out, a, b) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
  },
  neg(out, a) {
    for (let i = 0; i < out.length; i++) out[i] = -a[i];
  },
  mul(out, a, b) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
  },
  addScalar(out, a, s) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] + s;
  },
  mulScalar(out, a, s) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] * s;
  },
  matmul(out, a, b, M, K, N) {
    out.fill(0n, 0, M * N);
    jsKernels.matmulAcc(out, a, b, M, K, N);
  },
  matmulAcc(out, a, b, M, K, N) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = out[i * N + j];
        for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
        out[i * N + j] = s;
      }
    }
  },
  matmulTB(out, a, b, M, K, N) {
    out.fill(0n, 0, M * N);
    jsKernels.matmulTBAcc(out, a, b, M, K, N);
  },
  matmulTBAcc(out, a, b, M, K, N) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = out[i * N + j];
        for (let k = 0; k < K; k++) s += a[i * K + k] * b[j * K + k];
        out[i * N + j] = s;
      }
    }
  },
  shl(out, a, s) {
    const sh = BigInt(s);
    for (let i = 0; i < out.length; i++) out[i] = a[i] << sh;
  },
  shrLogical(out, a, s) {
    const sh = BigInt(s);
    for (let i = 0; i < out.length; i++) out[i] = a[i] >> sh;
  },
  shrArith(out, a, s) {
    const sh = BigInt(s);
    for (let i = 0; i < out.length; i++) out[i] = BigInt.asIntN(64, a[i]) >> sh;
  },
  and(out, a, b) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] & b[i];
  },
  or(out, a, b) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] | b[i];
  },
  xor(out, a, b) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] ^ b[i];
  },
  not(out, a) {
    for (let i = 0; i < out.length; i++) out[i] = ~a[i];
  },
  andScalar(out, a, s) {
    const m = BigInt.asUintN(64, s);
    for (let i = 0; i < out.length; i++) out[i] = a[i] & m;
  },
  sumRows(out, a, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let s = 0n;
      for (let c = 0; c < cols; c++) s += a[r * cols + c];
      out[r] = s;
    }
  },
  sumCols(out, a, rows, cols) {
    for (let c = 0; c < cols; c++) {
      let s = 0n;
      for (let r = 0; r < rows; r++) s += a[r * cols + c];
      out[c] = s;
    }
  },
  bitPlanes(out, a, n) {
    const W = Math.ceil(n / 64);
    out.fill(0n, 0, 64 * W);
    for (let e = 0; e < n; e++) {
      for (let j = 0; j < 64; j++) {
        if ((a[e] >> BigInt(j)) & 1n) out[j * W + Math.floor(e / 64)] |= 1n << BigInt(e % 64);
      }
    }
  },
  fromBitPlanes(out, planes, n) {
    const W = Math.ceil(n / 64);
    for (let e = 0; e < n; e++) {
      let v = 0n;
      for (let j = 0; j < 64; j++) {
        if ((planes[j * W + Math.floor(e / 64)] >> BigInt(e % 64)) & 1n) v |= 1n << BigInt(j);
      }
      out[e] = v;
    }
  },
  encodeFixed(out, x, fracBits) {
    const scale = 2 ** fracBits;
    for (let i = 0; i < out.length; i++) {
      const t = roundHalfEven(x[i] * scale);
      out[i] = t >= TWO62 ? MAX_FIXED : t <= -TWO62 ? MIN_FIXED : BigInt(t);
    }
  },
  decodeFixed(out, a, fracBits) {
    const scale = 2 ** fracBits;
    for (let i = 0; i < out.length; i++) out[i] = Number(BigInt.asIntN(64, a[i])) / scale;
  },
  andEval(out, wires, d, mask, dealt, prog, W, publicTerm) {
    out.fill(0n);
    const O = u32(out), Wv = u32(wires), D = u32(d), M = u32(mask), RS = u32(dealt);
    const w2 = 2 * W;
    let scratch = new Uint32Array(0);
    for (let i = 0; i < prog.length; ) {
      const base = prog[i] * w2, single = prog[i + 1], t = prog[i + 2];
      i += 3;
      if (single >= 0) {
        for (let e = 0; e < w2; e++) O[base + e] ^= Wv[single * w2 + e];
        continue;
      }
      const full = (1 << t) - 1;
      const slots = prog.subarray(i, i + t);
      const src = prog.subarray(i + t - 1, i + t + full); // src[m] for m ≥ 1
      i += t + full;
      if (scratch.length < (full + 1) * w2) scratch = new Uint32Array((full + 1) * w2);
      // scratch plane m = ∧ of d over the wires in mask m
      for (let m = 1; m <= full; m++) {
        const rest = m & (m - 1);
        const from = slots[31 - Math.clz32(m & -m)] * w2;
        for (let e = 0; e < w2; e++) scratch[m * w2 + e] = (rest ? scratch[rest * w2 + e] : 0xffffffff) & D[from + e];
      }
      if (publicTerm) for (let e = 0; e < w2; e++) O[base + e] ^= scratch[full * w2 + e];
      for (let m = 1; m <= full; m++) {
        const R = (m & (m - 1)) === 0 ? M : RS;
        const from = src[m] * w2;
        for (let e = 0; e < w2; e++) O[base + e] ^= (m === full ? 0xffffffff : scratch[(full ^ m) * w2 + e]) & R[from + e];
      }
    }
  },
  andDeal(out, r, sets, W) {
    const O = u32(out), R = u32(r);
    const w2 = 2 * W;
    for (let i = 0, j = 0; i < sets.length; i += sets[i] + 1, j++) {
      for (let e = 0; e < w2; e++) {
        let v = 0xffffffff;
        for (let q = 1; q <= sets[i]; q++) v &= R[sets[i + q] * w2 + e];
        O[j * w2 + e] ^= v;
      }
    }
  },
};
