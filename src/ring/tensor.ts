/**
 * Z_2^64 tensors: a flat row-major BigUint64Array plus a shape.
 * Storing a BigInt into a BigUint64Array reduces it mod 2^64, so the typed array *is* the ring.
 */
export type Shape = readonly number[];

export interface RingTensor {
  readonly data: BigUint64Array; // [prod(shape)]
  readonly shape: Shape;
}

/** Number of elements of a shape; throws RangeError on a negative or non-integer dimension. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`bad dimension ${d} in shape [${shape.join(',')}]`);
    n *= d;
  }
  return n;
}

/**
 * The first n u64 elements of little-endian `bytes`: a view when the bytes are 8-aligned, else a
 * copy (received frames, PRG output). The one place raw bytes become ring elements.
 */
export function u64View(bytes: Uint8Array, n: number): BigUint64Array {
  if (bytes.byteOffset % 8 === 0) return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
  const out = new BigUint64Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, 8 * n));
  return out;
}

export function ringZeros(shape: Shape): RingTensor {
  return { data: new BigUint64Array(sizeOf(shape)), shape: [...shape] };
}

export function ringFrom(shape: Shape, values: ArrayLike<bigint> | BigUint64Array): RingTensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new RangeError(`shape [${shape.join(',')}] needs ${n} values, got ${values.length}`);
  const data = values instanceof BigUint64Array ? values : BigUint64Array.from(values as ArrayLike<bigint>);
  return { data, shape: [...shape] };
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertSameShape(label: string, a: Shape, b: Shape): void {
  if (!sameShape(a, b)) throw new RangeError(`${label}: shape mismatch [${a.join(',')}] vs [${b.join(',')}]`);
}
