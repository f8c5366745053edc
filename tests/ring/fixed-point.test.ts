/**
 * Fixed-point encode/decode: wasm equals the JS reference exactly; round trip within 2^-f/2;
 * ties to even; clamp to [−2^62, 2^62 − 1]; NaN/±Inf rejected with the tensor's name and index.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ringConfig } from '../../src/ring/config.js';
import { decode, encode, FIXED_MAX, FIXED_MIN } from '../../src/ring/fixed-point.js';
import { jsKernels } from '../../src/ring/kernels.js';
import { wasmKernels } from '../../src/ring/wasm-kernels.js';

const KERNELS = [wasmKernels, jsKernels];
const signed = (a: BigUint64Array): bigint[] => [...a].map((v) => BigInt.asIntN(64, v));

describe.each([0, 18, 40])('f = %i', (f) => {
  const cfg = ringConfig({ fracBits: f });
  const ulp = 2 ** -f;

  /** Plain values, ties, clamp boundaries, extremes, subnormals, signed zeros. */
  const specials = new Float64Array([
    0, -0, 1, -1, 0.1, -0.1, Math.PI, -Math.E, 12345.678, -98765.4321,
    0.5 * ulp, 1.5 * ulp, 2.5 * ulp, -0.5 * ulp, -1.5 * ulp, -2.5 * ulp, 3.5 * ulp, 1e-30,
    2 ** (62 - f), -(2 ** (62 - f)), 2 ** (62 - f) * (1 - 2 ** -52), -(2 ** (62 - f)) * (1 - 2 ** -52),
    2 ** (52 - f) + 0.5 * ulp, 2 ** (53 - f) - ulp, 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE,
    Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** -1074 * 3,
  ]);

  it('wasm encodeFixed / decodeFixed equal the reference on special and random values', () => {
    const xs = new Float64Array([...specials, ...Array.from({ length: 1001 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 13) - 3))]);
    const ew = encode(xs, cfg, 'xs', wasmKernels), ej = encode(xs, cfg, 'xs', jsKernels);
    expect(signed(ew)).toEqual(signed(ej));
    const dw = decode(ew, cfg, wasmKernels), dj = decode(ew, cfg, jsKernels);
    expect([...dw]).toEqual([...dj]);
    // decode of arbitrary words (edge values of the ring included) agrees too
    const words = BigUint64Array.from([0n, 1n, (1n << 64n) - 1n, (1n << 62n) - 1n, 1n << 62n, 1n << 63n, (1n << 63n) - 1n, 0x0123456789abcdefn, 0xfedcba9876543210n]);
    expect([...decode(words, cfg, wasmKernels)]).toEqual([...decode(words, cfg, jsKernels)]);
  });

  it.each(KERNELS.map((k) => [k.name, k] as const))('%s: round trip within 2^-f/2 (fast-check)', (_, k) => {
    const bound = 2 ** Math.min(40, 61 - f); // keep |x·2^f| far below the clamp and exact in f64
    fc.assert(
      fc.property(fc.array(fc.double({ min: -bound, max: bound, noNaN: true }), { maxLength: 40 }), (arr) => {
        const back = decode(encode(arr, cfg, 'prop', k), cfg, k);
        arr.forEach((x, i) => {
          if (Math.abs(back[i] - x) > ulp / 2) expect.fail(`x=${x} decoded as ${back[i]}`);
        });
      }),
      { numRuns: 200 },
    );
  });

  it.each(KERNELS.map((k) => [k.name, k] as const))('%s: ties round to even, integers exact', (_, k) => {
    const e = signed(encode([0.5 * ulp, 1.5 * ulp, 2.5 * ulp, -0.5 * ulp, -1.5 * ulp, -2.5 * ulp, 3, -7], cfg, 'ties', k));
    const one = 1n << BigInt(f);
    expect(e).toEqual([0n, 2n, 2n, 0n, -2n, -2n, 3n * one, -7n * one]);
    expect([...decode(BigUint64Array.of(one, BigInt.asUintN(64, -1n)), cfg, k)]).toEqual([1, -ulp]);
  });

  it.each(KERNELS.map((k) => [k.name, k] as const))('%s: clamps to [-2^62, 2^62 - 1]', (_, k) => {
    const e = signed(encode([2 ** (62 - f), -(2 ** (62 - f)), 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE], cfg, 'big', k));
    expect(e).toEqual([FIXED_MAX, FIXED_MIN, FIXED_MAX, FIXED_MIN, FIXED_MAX, FIXED_MIN]);
    // just inside the range is not clamped
    const inside = 2 ** (62 - f) * (1 - 2 ** -52);
    expect(signed(encode([inside, -inside], cfg, 'inside', k))).toEqual([(1n << 62n) - 1024n, -(1n << 62n) + 1024n]);
  });
});

describe('non-finite inputs are rejected at the boundary', () => {
  const cfg = ringConfig();
  it.each([NaN, Infinity, -Infinity])('%d: RangeError naming the tensor and the first bad index', (bad) => {
    for (const k of KERNELS) {
      const x = new Float64Array([1, 2, bad, 4, bad]);
      expect(() => encode(x, cfg, 'attn.c_proj.input', k)).toThrow(RangeError);
      expect(() => encode(x, cfg, 'attn.c_proj.input', k)).toThrow(/'attn\.c_proj\.input'.*index 2 /);
      expect(() => encode([bad], cfg, 'plain array', k)).toThrow(/'plain array'.*index 0 /);
    }
  });
  it('empty input encodes to an empty array', () => {
    expect(encode([], cfg, 'empty').length).toBe(0);
    expect(decode(new BigUint64Array(0), cfg).length).toBe(0);
  });
});
