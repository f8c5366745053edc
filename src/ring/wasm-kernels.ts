/**
 * `wasmKernels`: the RingKernels interface on the WebAssembly module compiled from assembly/
 * (SIMD, runtime stub). Each call lays its operands out in linear memory above the module's
 * heap base (a bump layout reset on every call), copies inputs in with TypedArray.set, runs
 * the kernel and copies the result out. Memory grows on demand and is never shrunk, so the
 * module keeps the high-water mark of the largest call (see `wasmMemoryBytes`).
 *
 * Single-threaded and synchronous: calls never interleave, so one scratch layout suffices.
 */
import { RING_WASM_BASE64 } from './_wasm.generated.js';
import type { RingKernels } from './kernels.js';

type Ptr = number;

/** The slice of the WebAssembly JS API used here (the project's lib setting has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface RingExports {
  readonly memory: WasmMemory;
  heapBase(): Ptr;
  add(o: Ptr, a: Ptr, b: Ptr, n: number): void;
  sub(o: Ptr, a: Ptr, b: Ptr, n: number): void;
  mul(o: Ptr, a: Ptr, b: Ptr, n: number): void;
  and(o: Ptr, a: Ptr, b: Ptr, n: number): void;
  or(o: Ptr, a: Ptr, b: Ptr, n: number): void;
  xor(o: Ptr, a: Ptr, b: Ptr, n: number): void;
  neg(o: Ptr, a: Ptr, n: number): void;
  not(o: Ptr, a: Ptr, n: number): void;
  addScalar(o: Ptr, a: Ptr, s: bigint, n: number): void;
  mulScalar(o: Ptr, a: Ptr, s: bigint, n: number): void;
  andScalar(o: Ptr, a: Ptr, s: bigint, n: number): void;
  shl(o: Ptr, a: Ptr, s: number, n: number): void;
  shrLogical(o: Ptr, a: Ptr, s: number, n: number): void;
  shrArith(o: Ptr, a: Ptr, s: number, n: number): void;
  sumRows(o: Ptr, a: Ptr, rows: number, cols: number): void;
  sumCols(o: Ptr, a: Ptr, rows: number, cols: number): void;
  mm(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number, scratch: Ptr): void;
  mmTB(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number): void;
  bitPlanes(o: Ptr, a: Ptr, n: number): void;
  fromBitPlanes(o: Ptr, planes: Ptr, n: number): void;
  encodeFixed(o: Ptr, x: Ptr, n: number, fracBits: number): void;
  decodeFixed(o: Ptr, a: Ptr, n: number, fracBits: number): void;
  andEval(o: Ptr, wires: Ptr, d: Ptr, mask: Ptr, dealt: Ptr, prog: Ptr, progLen: number, W: number, pub: number, scratch: Ptr): void;
  andDeal(o: Ptr, r: Ptr, sets: Ptr, setsLen: number, W: number, scratch: Ptr): void;
}

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024; // wasm32 address space

const ex = new WASM.Instance(new WASM.Module(Buffer.from(RING_WASM_BASE64, 'base64')), {}).exports as RingExports;
const memory = ex.memory;
const BASE = (ex.heapBase() + 15) & ~15;

let u64 = new BigUint64Array(memory.buffer);
let f64 = new Float64Array(memory.buffer);
let i32 = new Int32Array(memory.buffer);

/** Bytes of a region of n 8-byte elements, rounded up to keep every region 16-byte aligned. */
const bytesOf = (n: number): number => Math.ceil(n / 2) * 16; // arithmetic, not `& ~15`: may exceed 2^31

/** Makes sure [BASE, BASE + bytes) is addressable and the typed-array views are current. */
function reserve(bytes: number): void {
  const need = BASE + bytes;
  if (need > MAX_BYTES) throw new RangeError(`wasm ring kernels: operands need ${need} bytes, over the 4 GiB wasm32 limit`);
  const have = memory.buffer.byteLength;
  if (need > have) memory.grow(Math.ceil((need - have) / PAGE));
  if (u64.buffer !== memory.buffer) {
    u64 = new BigUint64Array(memory.buffer);
    f64 = new Float64Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  }
}

function checkLen(label: string, arr: { length: number }, n: number): void {
  if (arr.length !== n) throw new RangeError(`wasm ${label}: expected length ${n}, got ${arr.length}`);
}

function put(ptr: Ptr, src: BigUint64Array): void {
  u64.set(src, ptr / 8);
}
function take(out: BigUint64Array, ptr: Ptr, n: number): void {
  out.set(u64.subarray(ptr / 8, ptr / 8 + n));
}

type Binary = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor';
type Unary = 'neg' | 'not';
type WithScalar = 'addScalar' | 'mulScalar' | 'andScalar';
type Shift = 'shl' | 'shrLogical' | 'shrArith';

/**
 * Elementwise ops run in chunks of CHUNK elements so the wasm-side copies stay in L2 (the
 * copies, not the SIMD loops, dominate their cost), and compute in place in the chunk of `a`,
 * so `out` may alias `a` or `b`.
 */
const CHUNK = 16384;

function chunked(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array | null, run: (pa: Ptr, pb: Ptr, m: number) => void): void {
  const n = out.length;
  const pa = BASE, pb = pa + bytesOf(CHUNK);
  reserve(bytesOf(CHUNK) * (b ? 2 : 1));
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    put(pa, a.subarray(i, i + m));
    if (b) put(pb, b.subarray(i, i + m));
    run(pa, pb, m);
    take(out.subarray(i, i + m), pa, m);
  }
}

function binary(op: Binary) {
  return (out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void => {
    checkLen(op, a, out.length);
    checkLen(op, b, out.length);
    chunked(out, a, b, (pa, pb, m) => ex[op](pa, pa, pb, m));
  };
}

function unary(op: Unary) {
  return (out: BigUint64Array, a: BigUint64Array): void => {
    checkLen(op, a, out.length);
    chunked(out, a, null, (pa, _, m) => ex[op](pa, pa, m));
  };
}

function withScalar(op: WithScalar) {
  return (out: BigUint64Array, a: BigUint64Array, s: bigint): void => {
    checkLen(op, a, out.length);
    const s64 = BigInt.asIntN(64, s); // wasm i64 parameter
    chunked(out, a, null, (pa, _, m) => ex[op](pa, pa, s64, m));
  };
}

function shift(op: Shift) {
  return (out: BigUint64Array, a: BigUint64Array, s: number): void => {
    checkLen(op, a, out.length);
    chunked(out, a, null, (pa, _, m) => ex[op](pa, pa, s, m));
  };
}

/**
 * Matmuls copy a, b (and c when accumulating) in whole and run one kernel call — except for a
 * few rows of a (decode-time shapes like [1,768]·[768,3072]), where the work is tiny next to
 * copying b, so b goes through an L2-sized window instead: k-slices of b for a·b (accumulating
 * into c in wasm memory), row-slices of b for a·bᵀ (each giving a column slice of c).
 */
const SMALL_M = 12;
const WINDOW_ELEMS = 32768; // 256 KiB of b per window

function checkMatmul(label: string, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void {
  checkLen(`${label} out`, out, M * N);
  checkLen(`${label} a`, a, M * K);
  checkLen(`${label} b`, b, K * N);
}

function matmulAB(acc: 0 | 1, label: string) {
  return (out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void => {
    checkMatmul(label, out, a, b, M, K, N);
    if (M >= SMALL_M || K === 0 || N === 0) {
      // mm packs 8 columns of b at a time into a K·64-byte scratch placed after c
      const pa = BASE, pb = pa + bytesOf(M * K), pc = pb + bytesOf(K * N), ps = pc + bytesOf(M * N);
      reserve(ps + bytesOf(8 * K) - BASE);
      put(pa, a);
      put(pb, b);
      if (acc) put(pc, out);
      ex.mm(pc, pa, pb, M, K, N, acc, ps);
      take(out, pc, M * N);
      return;
    }
    const kc = Math.max(1, Math.floor(WINDOW_ELEMS / N));
    const pa = BASE, pb = pa + bytesOf(M * kc), pc = pb + bytesOf(kc * N), ps = pc + bytesOf(M * N);
    reserve(ps + bytesOf(8 * kc) - BASE);
    if (acc) put(pc, out);
    for (let k0 = 0; k0 < K; k0 += kc) {
      const kk = Math.min(kc, K - k0);
      for (let i = 0; i < M; i++) put(pa + i * kk * 8, a.subarray(i * K + k0, i * K + k0 + kk));
      put(pb, b.subarray(k0 * N, (k0 + kk) * N));
      ex.mm(pc, pa, pb, M, kk, N, acc || k0 > 0 ? 1 : 0, ps);
    }
    take(out, pc, M * N);
  };
}

function matmulABt(acc: 0 | 1, label: string) {
  return (out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void => {
    checkMatmul(label, out, a, b, M, K, N);
    if (M >= SMALL_M || K === 0 || N === 0) {
      const pa = BASE, pb = pa + bytesOf(M * K), pc = pb + bytesOf(K * N);
      reserve(pc + bytesOf(M * N) - BASE);
      put(pa, a);
      put(pb, b);
      if (acc) put(pc, out);
      ex.mmTB(pc, pa, pb, M, K, N, acc);
      take(out, pc, M * N);
      return;
    }
    const nc = Math.max(8, Math.floor(WINDOW_ELEMS / K / 8) * 8);
    const pa = BASE, pb = pa + bytesOf(M * K), pc = pb + bytesOf(nc * K);
    reserve(pc + bytesOf(M * nc) - BASE);
    put(pa, a);
    for (let j0 = 0; j0 < N; j0 += nc) {
      const nn = Math.min(nc, N - j0);
      put(pb, b.subarray(j0 * K, (j0 + nn) * K));
      if (acc) for (let i = 0; i < M; i++) put(pc + i * nn * 8, out.subarray(i * N + j0, i * N + j0 + nn));
      ex.mmTB(pc, pa, pb, M, K, nn, acc);
      for (let i = 0; i < M; i++) take(out.subarray(i * N + j0, i * N + j0 + nn), pc + i * nn * 8, nn);
    }
  };
}

export const wasmKernels: RingKernels = {
  name: 'wasm',
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  and: binary('and'),
  or: binary('or'),
  xor: binary('xor'),
  neg: unary('neg'),
  not: unary('not'),
  addScalar: withScalar('addScalar'),
  mulScalar: withScalar('mulScalar'),
  andScalar: withScalar('andScalar'),
  shl: shift('shl'),
  shrLogical: shift('shrLogical'),
  shrArith: shift('shrArith'),
  matmul: matmulAB(0, 'matmul'),
  matmulAcc: matmulAB(1, 'matmulAcc'),
  matmulTB: matmulABt(0, 'matmulTB'),
  matmulTBAcc: matmulABt(1, 'matmulTBAcc'),

  sumRows(out, a, rows, cols) {
    checkLen('sumRows out', out, rows);
    checkLen('sumRows a', a, rows * cols);
    const pa = BASE, po = pa + bytesOf(rows * cols);
    reserve(po + bytesOf(rows) - BASE);
    put(pa, a);
    ex.sumRows(po, pa, rows, cols);
    take(out, po, rows);
  },
  sumCols(out, a, rows, cols) {
    checkLen('sumCols out', out, cols);
    checkLen('sumCols a', a, rows * cols);
    const pa = BASE, po = pa + bytesOf(rows * cols);
    reserve(po + bytesOf(cols) - BASE);
    put(pa, a);
    ex.sumCols(po, pa, rows, cols);
    take(out, po, cols);
  },
  bitPlanes(out, a, n) {
    const words = 64 * Math.ceil(n / 64);
    checkLen('bitPlanes out', out, words);
    checkLen('bitPlanes a', a, n);
    const pa = BASE, po = pa + bytesOf(n);
    reserve(po + bytesOf(words) - BASE);
    put(pa, a);
    ex.bitPlanes(po, pa, n);
    take(out, po, words);
  },
  fromBitPlanes(out, planes, n) {
    const words = 64 * Math.ceil(n / 64);
    checkLen('fromBitPlanes out', out, n);
    checkLen('fromBitPlanes planes', planes, words);
    const pp = BASE, po = pp + bytesOf(words);
    reserve(po + bytesOf(n) - BASE);
    put(pp, planes);
    ex.fromBitPlanes(po, pp, n);
    take(out, po, n);
  },
  encodeFixed(out, x, fracBits) {
    const n = out.length;
    checkLen('encodeFixed x', x, n);
    reserve(bytesOf(CHUNK));
    for (let i = 0; i < n; i += CHUNK) {
      const m = Math.min(CHUNK, n - i);
      f64.set(x.subarray(i, i + m), BASE / 8);
      ex.encodeFixed(BASE, BASE, m, fracBits);
      take(out.subarray(i, i + m), BASE, m);
    }
  },
  decodeFixed(out, a, fracBits) {
    const n = out.length;
    checkLen('decodeFixed a', a, n);
    reserve(bytesOf(CHUNK));
    for (let i = 0; i < n; i += CHUNK) {
      const m = Math.min(CHUNK, n - i);
      put(BASE, a.subarray(i, i + m));
      ex.decodeFixed(BASE, BASE, m, fracBits);
      out.subarray(i, i + m).set(f64.subarray(BASE / 8, BASE / 8 + m));
    }
  },
  andEval(out, wires, d, mask, dealt, prog, W, publicTerm) {
    if (out.length % W || wires.length % W || d.length % W || mask.length !== d.length || dealt.length % W) throw new RangeError('wasm andEval: plane arrays must hold whole planes of W words');
    const t = progMaxWires(prog);
    // prog as i32 words: half as many u64 slots, rounded up
    const [po, pw, pd, pm, pr, ps, pp] = layout([out.length, wires.length, d.length, mask.length, dealt.length, (1 << t) * W, Math.ceil(prog.length / 2)]);
    u64.fill(0n, po / 8, po / 8 + out.length);
    put(pw, wires);
    put(pd, d);
    put(pm, mask);
    put(pr, dealt);
    i32.set(prog, pp / 4);
    ex.andEval(po, pw, pd, pm, pr, pp, prog.length, W, publicTerm ? 1 : 0, ps);
    take(out, po, out.length);
  },
  andDeal(out, r, sets, W) {
    if (out.length % W || r.length % W) throw new RangeError('wasm andDeal: plane arrays must hold whole planes of W words');
    const [po, pr, ps, pp] = layout([out.length, r.length, W, Math.ceil(sets.length / 2)]);
    put(po, out);
    put(pr, r);
    i32.set(sets, pp / 4);
    ex.andDeal(po, pr, pp, sets.length, W, ps);
    take(out, po, out.length);
  },
};

/** Widest product (wires) of an andEval program. */
function progMaxWires(prog: Int32Array): number {
  let t = 0;
  for (let i = 0; i < prog.length; ) {
    const w = prog[i + 2];
    t = Math.max(t, w);
    i += 3 + (prog[i + 1] >= 0 ? 0 : w + (1 << w) - 1);
  }
  return t;
}

/** Lays out the arrays one after another from BASE (16-byte aligned) and returns their pointers. */
function layout(sizes: readonly number[]): Ptr[] {
  const ptrs: Ptr[] = [];
  let at = BASE;
  for (const n of sizes) {
    ptrs.push(at);
    at += bytesOf(n);
  }
  reserve(at - BASE);
  return ptrs;
}

/** Current size of the kernels' linear memory (the high-water mark of operand sizes). */
export function wasmMemoryBytes(): number {
  return memory.buffer.byteLength;
}
