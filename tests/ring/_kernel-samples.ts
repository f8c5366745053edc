/**
 * Inputs for the ring kernel tests (kernels.test.ts, kernels-matmul.test.ts): a deterministic
 * stream of words with the edge values of Z_2^64 mixed in, and an exact comparison.
 */
import { expect } from 'vitest';

export const U64 = (1n << 64n) - 1n;
/** 0, 1, −1, 2^62−1, 2^62, −2^62, 2^63, 2^63−1 (as u64). */
export const EDGES: readonly bigint[] = [0n, 1n, U64, (1n << 62n) - 1n, 1n << 62n, (1n << 64n) - (1n << 62n), 1n << 63n, (1n << 63n) - 1n];
export const LENGTHS = [0, 1, 2, 3, 7, 64, 65, 1001];

/** Deterministic splitmix64 stream, so failures reproduce. */
function rng(seed: bigint) {
  let s = seed;
  return (): bigint => {
    s = (s + 0x9e3779b97f4a7c15n) & U64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & U64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & U64;
    return z ^ (z >> 31n);
  };
}
export const next = rng(20240607n);

/** n values: random words, with every 5th one an edge value and some small ones. */
export function sample(n: number): BigUint64Array {
  const a = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    a[i] = i % 5 === 4 ? EDGES[Number(r % BigInt(EDGES.length))] : i % 7 === 3 ? r & 0xffn : r;
  }
  return a;
}

/** Every ordered pair of edge values: a = [e0,e0,…,e1,…], b = [e0,e1,…]. */
export function edgePairs(): [BigUint64Array, BigUint64Array] {
  const a: bigint[] = [], b: bigint[] = [];
  for (const x of EDGES) for (const y of EDGES) (a.push(x), b.push(y));
  return [BigUint64Array.from(a), BigUint64Array.from(b)];
}

export function expectSame(actual: BigUint64Array, expected: BigUint64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) expect.fail(`index ${i}: wasm ${actual[i]} !== js ${expected[i]}`);
  }
}
