/**
 * Replicated 2-of-3 shares. Party i holds (x_i, x_{i+1}) with x = x_0 + x_1 + x_2 (arithmetic,
 * mod 2^64) or x = x_0 ⊕ x_1 ⊕ x_2 (boolean). `s0` is x_i, `s1` is x_{i+1}.
 */
import type { Shape } from '../ring/tensor.js';
import { sizeOf } from '../ring/tensor.js';

/** Arithmetic replicated share of a tensor. */
export interface AShare {
  readonly kind: 'A';
  readonly shape: Shape;
  readonly s0: BigUint64Array; // [prod(shape)] x_i
  readonly s1: BigUint64Array; // [prod(shape)] x_{i+1}
}

/** Boolean (XOR) replicated share of 64-bit words. */
export interface BShare {
  readonly kind: 'B';
  readonly shape: Shape;
  readonly s0: BigUint64Array;
  readonly s1: BigUint64Array;
}

/** Boolean share of n single bits, packed 64 per word: element e is bit (e % 64) of word ⌊e/64⌋. */
export interface BitShare {
  readonly kind: 'bit';
  readonly n: number;
  readonly s0: BigUint64Array; // [ceil(n/64)]
  readonly s1: BigUint64Array; // [ceil(n/64)]
}

export function aShare(shape: Shape, s0: BigUint64Array, s1: BigUint64Array): AShare {
  const n = sizeOf(shape);
  if (s0.length !== n || s1.length !== n) throw new RangeError(`share of shape [${shape.join(',')}] needs ${n} elements, got ${s0.length}/${s1.length}`);
  return { kind: 'A', shape: [...shape], s0, s1 };
}

export function bShare(shape: Shape, s0: BigUint64Array, s1: BigUint64Array): BShare {
  const n = sizeOf(shape);
  if (s0.length !== n || s1.length !== n) throw new RangeError(`share of shape [${shape.join(',')}] needs ${n} words, got ${s0.length}/${s1.length}`);
  return { kind: 'B', shape: [...shape], s0, s1 };
}

export function words(nbits: number): number {
  return Math.ceil(nbits / 64);
}

export function bitShare(n: number, s0: BigUint64Array, s1: BigUint64Array): BitShare {
  if (s0.length !== words(n) || s1.length !== words(n)) throw new RangeError(`bit share of ${n} bits needs ${words(n)} words`);
  return { kind: 'bit', n, s0, s1 };
}

export function sizeOfShare(x: AShare | BShare): number {
  return x.s0.length;
}

/** Reshape (free: the flat layout is unchanged). */
export function reshapeA(x: AShare, shape: Shape): AShare {
  if (sizeOf(shape) !== x.s0.length) throw new RangeError(`cannot reshape [${x.shape.join(',')}] to [${shape.join(',')}]`);
  return { kind: 'A', shape: [...shape], s0: x.s0, s1: x.s1 };
}

/** Concatenate flat shares (batching independent ops into one call). */
export function concatA(xs: readonly AShare[]): AShare {
  const n = xs.reduce((t, x) => t + x.s0.length, 0);
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  let o = 0;
  for (const x of xs) {
    s0.set(x.s0, o);
    s1.set(x.s1, o);
    o += x.s0.length;
  }
  return { kind: 'A', shape: [n], s0, s1 };
}

/** Split a flat share back into pieces of the given shapes. */
export function splitA(x: AShare, shapes: readonly Shape[]): AShare[] {
  let o = 0;
  const out = shapes.map((sh) => {
    const n = sizeOf(sh);
    const r: AShare = { kind: 'A', shape: [...sh], s0: x.s0.subarray(o, o + n), s1: x.s1.subarray(o, o + n) };
    o += n;
    return r;
  });
  if (o !== x.s0.length) throw new RangeError(`splitA: pieces hold ${o} elements, share has ${x.s0.length}`);
  return out;
}

/** Read bit e of a packed bit array. */
export function getBit(w: BigUint64Array, e: number): number {
  const w32 = new Uint32Array(w.buffer, w.byteOffset, w.length * 2);
  return (w32[e >>> 5] >>> (e & 31)) & 1;
}
