/**
 * Ring elements on the wire at 32 bits when only their value mod 2^32 matters (a share that is
 * multiplied by 2^32 or more before use, e.g. the tuple bits of trunc-tuple.ts, which are
 * multiplied by 2^(63−d) with d ≤ 31): two values per 64-bit word, low halves only (little-endian
 * views, as everywhere in the ring code). Width 64 is the plain array.
 */
export type Width = 32 | 64;

/** Words on the wire for n values. */
export const narrowWords = (n: number, width: Width): number => (width === 32 ? Math.ceil(n / 2) : n);

/** x mod 2^width, packed [narrowWords(n)]. */
export function packNarrow(x: BigUint64Array, width: Width): BigUint64Array {
  if (width === 64) return x;
  const out = new BigUint64Array(narrowWords(x.length, 32));
  const o = new Uint32Array(out.buffer, out.byteOffset, 2 * out.length);
  const i32 = new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
  for (let e = 0; e < x.length; e++) o[e] = i32[2 * e];
  return out;
}

/** The n values of a packed array (zero-extended: equal to the sent values mod 2^width). */
export function unpackNarrow(w: BigUint64Array, n: number, width: Width): BigUint64Array {
  if (width === 64) return w;
  const out = new BigUint64Array(n);
  const o = new Uint32Array(out.buffer);
  const i32 = new Uint32Array(w.buffer, w.byteOffset, 2 * w.length);
  for (let e = 0; e < n; e++) o[2 * e] = i32[e];
  return out;
}
