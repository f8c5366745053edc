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
interface RingExports {
  readonly memory: WebAssembly.Memory;
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
  mm(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number): void;
  mmTB(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number): void;
  bitPlanes(o: Ptr, a: Ptr, n: number): void;
  fromBitPlanes(o: Ptr, planes: Ptr, n: number): void;
  encodeFixed(o: Ptr, x: Ptr, n: number, fracBits: number): void;
  decodeFixed(o: Ptr, a: Ptr, n: number, fracBits: number): void;
}

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024; // wasm32 address space

const ex = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(RING_WASM_BASE64, 'base64')), {})
  .exports as unknown as RingExports;
const memory = ex.memory;
const BASE = (ex.heapBase() + 15) & ~15;

let u64 = new BigUint64Array(memory.buffer);
let f64 = new Float64Array(memory.buffer);

/** Bytes of a region of n 8-byte elements, rounded up to keep every region 16-byte aligned. */
const bytesOf = (n: number): number => (n * 8 + 15) & ~15;

/** Makes sure [BASE, BASE + bytes) is addressable and the typed-array views are current. */
function reserve(bytes: number): void {
  const need = BASE + bytes;
  if (need > MAX_BYTES) throw new RangeError(`wasm ring kernels: operands need ${need} bytes, over the 4 GiB wasm32 limit`);
  const have = memory.buffer.byteLength;
  if (need > have) memory.grow(Math.ceil((need - have) / PAGE));
  if (u64.buffer !== memory.buffer) {
    u64 = new BigUint64Array(memory.buffer);
    f64 = new Float64Array(memory.buffer);
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

/** Elementwise ops compute in place in the region of `a`, so `out` may alias `a` or `b`. */
function binary(op: Binary) {
  return (out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void => {
    const n = out.length;
    checkLen(op, a, n);
    checkLen(op, b, n);
    const pa = BASE, pb = pa + bytesOf(n);
    reserve(pb + bytesOf(n) - BASE);
    put(pa, a);
    put(pb, b);
    ex[op](pa, pa, pb, n);
    take(out, pa, n);
  };
}

function unary(op: Unary) {
  return (out: BigUint64Array, a: BigUint64Array): void => {
    const n = out.length;
    checkLen(op, a, n);
    reserve(bytesOf(n));
    put(BASE, a);
    ex[op](BASE, BASE, n);
    take(out, BASE, n);
  };
}

function withScalar(op: WithScalar) {
  return (out: BigUint64Array, a: BigUint64Array, s: bigint): void => {
    const n = out.length;
    checkLen(op, a, n);
    reserve(bytesOf(n));
    put(BASE, a);
    ex[op](BASE, BASE, BigInt.asIntN(64, s), n);
    take(out, BASE, n);
  };
}

function shift(op: Shift) {
  return (out: BigUint64Array, a: BigUint64Array, s: number): void => {
    const n = out.length;
    checkLen(op, a, n);
    reserve(bytesOf(n));
    put(BASE, a);
    ex[op](BASE, BASE, s, n);
    take(out, BASE, n);
  };
}

function matmulWith(kernel: 'mm' | 'mmTB', acc: 0 | 1, label: string) {
  return (out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): void => {
    checkLen(`${label} out`, out, M * N);
    checkLen(`${label} a`, a, M * K);
    checkLen(`${label} b`, b, K * N);
    const pa = BASE, pb = pa + bytesOf(M * K), pc = pb + bytesOf(K * N);
    reserve(pc + bytesOf(M * N) - BASE);
    put(pa, a);
    put(pb, b);
    if (acc) put(pc, out);
    ex[kernel](pc, pa, pb, M, K, N, acc);
    take(out, pc, M * N);
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
  matmul: matmulWith('mm', 0, 'matmul'),
  matmulAcc: matmulWith('mm', 1, 'matmulAcc'),
  matmulTB: matmulWith('mmTB', 0, 'matmulTB'),
  matmulTBAcc: matmulWith('mmTB', 1, 'matmulTBAcc'),

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
    reserve(bytesOf(n));
    f64.set(x, BASE / 8);
    ex.encodeFixed(BASE, BASE, n, fracBits);
    take(out, BASE, n);
  },
  decodeFixed(out, a, fracBits) {
    const n = out.length;
    checkLen('decodeFixed a', a, n);
    reserve(bytesOf(n));
    put(BASE, a);
    ex.decodeFixed(BASE, BASE, n, fracBits);
    out.set(f64.subarray(BASE / 8, BASE / 8 + n));
  },
};

/** Current size of the kernels' linear memory (the high-water mark of operand sizes). */
export function wasmMemoryBytes(): number {
  return memory.buffer.byteLength;
}
