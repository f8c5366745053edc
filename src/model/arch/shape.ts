/**
 * Shape helpers for the model layer (row-major, last axis fastest). Boundary checks only: they
 * throw RangeError with a label and never run inside inner loops.
 */
export type Shape = readonly number[];

/** Number of elements of a shape; throws RangeError on a negative or non-integer dimension. */
export function numel(shape: Shape, label = 'shape'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${label}: bad dimension ${d} in [${shape.join(',')}]`);
    n *= d;
  }
  return n;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(label: string, got: Shape, want: Shape): void {
  if (!sameShape(got, want)) throw new RangeError(`${label}: expected shape ${fmtShape(want)}, got ${fmtShape(got)}`);
}

export function assertRank(label: string, shape: Shape, rank: number): void {
  if (shape.length !== rank) throw new RangeError(`${label}: expected rank ${rank}, got shape ${fmtShape(shape)}`);
}

/** True if `suffix` equals the trailing axes of `shape` (numpy-style broadcast over leading axes). */
export function isSuffixShape(shape: Shape, suffix: Shape): boolean {
  if (suffix.length > shape.length) return false;
  const off = shape.length - suffix.length;
  return suffix.every((d, i) => d === shape[off + i]);
}

/**
 * True if a flat constant of length `len` broadcasts over `shape`: `len` is the element count of
 * some trailing suffix of `shape` (1 = scalar, last dim = per column, full size = elementwise).
 */
export function isSuffixLength(shape: Shape, len: number): boolean {
  let p = 1;
  if (len === 1) return true;
  for (let i = shape.length - 1; i >= 0; i--) {
    p *= shape[i];
    if (p === len) return true;
  }
  return false;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Checks that `perm` is a permutation of 0..rank-1. */
export function assertPermutation(label: string, perm: readonly number[], rank: number): void {
  const seen = new Array<boolean>(rank).fill(false);
  if (perm.length !== rank) throw new RangeError(`${label}: permutation [${perm.join(',')}] for rank ${rank}`);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= rank || seen[p]) {
      throw new RangeError(`${label}: [${perm.join(',')}] is not a permutation of 0..${rank - 1}`);
    }
    seen[p] = true;
  }
}
