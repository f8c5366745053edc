/**
 * Every elementwise and bit-plane wasm ring kernel against the BigInt reference, exactly: random
 * values, the edge values of Z_2^64 and odd lengths; a few sanity vectors pin the reference itself,
 * and fast-check properties cover the ring identities. The products: kernels-matmul.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/ring/kernels.js';
import { wasmKernels } from '../../src/ring/wasm-kernels.js';
import { EDGES, LENGTHS, U64, edgePairs, expectSame, sample } from './_kernel-samples.js';

type BinaryOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor';
type UnaryOp = 'neg' | 'not';
type ScalarOp = 'addScalar' | 'mulScalar' | 'andScalar';
type ShiftOp = 'shl' | 'shrLogical' | 'shrArith';

describe('reference sanity (jsKernels)', () => {
  it('wraps mod 2^64', () => {
    const out = new BigUint64Array(3);
    jsKernels.add(out, BigUint64Array.of(U64, 5n, 1n << 63n), BigUint64Array.of(1n, 7n, 1n << 63n));
    expect([...out]).toEqual([0n, 12n, 0n]);
    jsKernels.mul(out, BigUint64Array.of(U64, 1n << 32n, 3n), BigUint64Array.of(U64, 1n << 32n, 5n));
    expect([...out]).toEqual([1n, 0n, 15n]);
    jsKernels.shrArith(out, BigUint64Array.of(U64, 1n << 63n, 8n), 2);
    expect([...out]).toEqual([U64, (1n << 64n) - (1n << 61n), 2n]);
  });
  it('matmul 2x3·3x2 and its transposed form', () => {
    const a = BigUint64Array.of(1n, 2n, 3n, 4n, 5n, 6n);
    const b = BigUint64Array.of(7n, 8n, 9n, 10n, 11n, 12n); // [3,2]
    const bT = BigUint64Array.of(7n, 9n, 11n, 8n, 10n, 12n); // [2,3]
    const out = new BigUint64Array(4);
    jsKernels.matmul(out, a, b, 2, 3, 2);
    expect([...out]).toEqual([58n, 64n, 139n, 154n]);
    jsKernels.matmulTB(out, a, bT, 2, 3, 2);
    expect([...out]).toEqual([58n, 64n, 139n, 154n]);
  });
  it('bitPlanes layout: element e, bit j → plane j, word e/64, bit e%64', () => {
    const n = 70, W = 2;
    const a = new BigUint64Array(n);
    a[1] = 1n; // bit 0 of element 1
    a[66] = 1n << 63n; // bit 63 of element 66
    const planes = new BigUint64Array(64 * W);
    jsKernels.bitPlanes(planes, a, n);
    const expected = new BigUint64Array(64 * W);
    expected[0 * W + 0] = 1n << 1n;
    expected[63 * W + 1] = 1n << 2n;
    expect([...planes]).toEqual([...expected]);
  });
});

describe.each(['add', 'sub', 'mul', 'and', 'or', 'xor'] as BinaryOp[])('wasm %s', (op) => {
  it.each(LENGTHS)('random, length %i', (n) => {
    const a = sample(n), b = sample(n);
    const ow = new BigUint64Array(n), oj = new BigUint64Array(n);
    wasmKernels[op](ow, a, b);
    jsKernels[op](oj, a, b);
    expectSame(ow, oj);
  });
  it('all pairs of edge values', () => {
    const [a, b] = edgePairs();
    const ow = new BigUint64Array(a.length), oj = new BigUint64Array(a.length);
    wasmKernels[op](ow, a, b);
    jsKernels[op](oj, a, b);
    expectSame(ow, oj);
  });
  it('out may alias a or b', () => {
    const a = sample(33), b = sample(33);
    const expected = new BigUint64Array(33);
    jsKernels[op](expected, a, b);
    const a2 = a.slice();
    wasmKernels[op](a2, a2, b);
    expectSame(a2, expected);
    const b2 = b.slice();
    wasmKernels[op](b2, a, b2);
    expectSame(b2, expected);
  });
});

describe.each(['neg', 'not'] as UnaryOp[])('wasm %s', (op) => {
  it.each(LENGTHS)('random, length %i', (n) => {
    const a = sample(n);
    const ow = new BigUint64Array(n), oj = new BigUint64Array(n);
    wasmKernels[op](ow, a);
    jsKernels[op](oj, a);
    expectSame(ow, oj);
  });
  it('edge values, in place', () => {
    const a = BigUint64Array.from(EDGES);
    const oj = new BigUint64Array(a.length);
    jsKernels[op](oj, a);
    wasmKernels[op](a, a);
    expectSame(a, oj);
  });
});

describe.each(['addScalar', 'mulScalar', 'andScalar'] as ScalarOp[])('wasm %s', (op) => {
  const scalars = [...EDGES, 0x0123456789abcdefn, -1n, -5n, (1n << 64n) + 3n];
  it.each(LENGTHS)('random, length %i, every edge scalar', (n) => {
    const a = sample(n);
    for (const s of scalars) {
      const ow = new BigUint64Array(n), oj = new BigUint64Array(n);
      wasmKernels[op](ow, a, s);
      jsKernels[op](oj, a, s);
      expectSame(ow, oj);
    }
  });
  it('edge values, in place', () => {
    for (const s of scalars) {
      const a = BigUint64Array.from(EDGES);
      const oj = new BigUint64Array(a.length);
      jsKernels[op](oj, a, s);
      wasmKernels[op](a, a, s);
      expectSame(a, oj);
    }
  });
});

describe.each(['shl', 'shrLogical', 'shrArith'] as ShiftOp[])('wasm %s', (op) => {
  it('every shift 0..63 on random values and edges, odd length', () => {
    const a = new BigUint64Array([...sample(1001), ...EDGES]);
    for (let s = 0; s < 64; s++) {
      const ow = new BigUint64Array(a.length), oj = new BigUint64Array(a.length);
      wasmKernels[op](ow, a, s);
      jsKernels[op](oj, a, s);
      expectSame(ow, oj);
    }
  });
  it.each(LENGTHS)('length %i, in place', (n) => {
    const a = sample(n);
    const oj = new BigUint64Array(n);
    jsKernels[op](oj, a, 13);
    wasmKernels[op](a, a, 13);
    expectSame(a, oj);
  });
});

describe('wasm sumRows / sumCols', () => {
  const shapes: [number, number][] = [[0, 5], [5, 0], [1, 1], [3, 7], [17, 33], [7, 1001], [1001, 3], [8, 8]];
  it.each(shapes)('random [%i,%i]', (rows, cols) => {
    const a = sample(rows * cols);
    const rw = new BigUint64Array(rows), rj = new BigUint64Array(rows);
    wasmKernels.sumRows(rw, a, rows, cols);
    jsKernels.sumRows(rj, a, rows, cols);
    expectSame(rw, rj);
    const cw = new BigUint64Array(cols), cj = new BigUint64Array(cols);
    wasmKernels.sumCols(cw, a, rows, cols);
    jsKernels.sumCols(cj, a, rows, cols);
    expectSame(cw, cj);
  });
  it('edge values overflow and wrap', () => {
    const [a] = edgePairs(); // [8, 8]
    const rw = new BigUint64Array(8), rj = new BigUint64Array(8);
    wasmKernels.sumRows(rw, a, 8, 8);
    jsKernels.sumRows(rj, a, 8, 8);
    expectSame(rw, rj);
    wasmKernels.sumCols(rw, a, 8, 8);
    jsKernels.sumCols(rj, a, 8, 8);
    expectSame(rw, rj);
  });
});

describe('wasm bitPlanes / fromBitPlanes', () => {
  it.each([...LENGTHS, 63, 127, 128, 4097])('length %i: planes equal the reference, inverse round-trips', (n) => {
    const a = new BigUint64Array([...sample(Math.max(0, n - EDGES.length)), ...EDGES.slice(0, Math.min(n, EDGES.length))]);
    const words = 64 * Math.ceil(n / 64);
    const pw = new BigUint64Array(words), pj = new BigUint64Array(words);
    wasmKernels.bitPlanes(pw, a, n);
    jsKernels.bitPlanes(pj, a, n);
    expectSame(pw, pj);
    const bw = new BigUint64Array(n), bj = new BigUint64Array(n);
    wasmKernels.fromBitPlanes(bw, pw, n);
    jsKernels.fromBitPlanes(bj, pj, n);
    expectSame(bw, a);
    expectSame(bj, a);
  });
  it('fromBitPlanes on random planes (padding bits set) agrees with the reference', () => {
    const n = 100, words = 128;
    const planes = sample(words);
    const ow = new BigUint64Array(n), oj = new BigUint64Array(n);
    wasmKernels.fromBitPlanes(ow, planes, n);
    jsKernels.fromBitPlanes(oj, planes, n);
    expectSame(ow, oj);
  });
});

describe('large inputs and memory growth', () => {
  it('1M-element add and mul equal the reference', () => {
    const n = 1 << 20;
    const a = sample(n), b = sample(n);
    for (const op of ['add', 'mul'] as const) {
      const ow = new BigUint64Array(n), oj = new BigUint64Array(n);
      wasmKernels[op](ow, a, b);
      jsKernels[op](oj, a, b);
      expectSame(ow, oj);
    }
  });
  it('1M-element bitPlanes round-trips', () => {
    const n = 1 << 20;
    const a = sample(n);
    const planes = new BigUint64Array(n);
    wasmKernels.bitPlanes(planes, a, n);
    const back = new BigUint64Array(n);
    wasmKernels.fromBitPlanes(back, planes, n);
    expectSame(back, a);
  });
  it('rejects mismatched lengths before touching memory', () => {
    expect(() => wasmKernels.add(new BigUint64Array(3), new BigUint64Array(3), new BigUint64Array(2))).toThrow(RangeError);
    expect(() => wasmKernels.matmul(new BigUint64Array(4), new BigUint64Array(4), new BigUint64Array(3), 2, 2, 2)).toThrow(RangeError);
  });
});

describe('ring identities (fast-check, wasm)', () => {
  const word = fc.oneof(fc.constantFrom(...EDGES), fc.bigInt({ min: 0n, max: U64 }));
  const vec = (len: number) => fc.array(word, { minLength: len, maxLength: len }).map((v) => BigUint64Array.from(v));
  const pairOfVecs = fc.integer({ min: 0, max: 70 }).chain((n) => fc.tuple(vec(n), vec(n), vec(n)));
  const k = wasmKernels;

  it('(a + b) − b = a, −(−a) = a, a ^ b ^ b = a, ~~a = a', () => {
    fc.assert(
      fc.property(pairOfVecs, ([a, b]) => {
        const t = new BigUint64Array(a.length);
        k.add(t, a, b);
        k.sub(t, t, b);
        expectSame(t, a);
        k.neg(t, a);
        k.neg(t, t);
        expectSame(t, a);
        k.xor(t, a, b);
        k.xor(t, t, b);
        expectSame(t, a);
        k.not(t, a);
        k.not(t, t);
        expectSame(t, a);
      }),
      { numRuns: 100 },
    );
  });
  it('(a + b)·c = a·c + b·c; a·2^s = a << s', () => {
    fc.assert(
      fc.property(pairOfVecs, fc.integer({ min: 0, max: 63 }), ([a, b, c], s) => {
        const l = new BigUint64Array(a.length), r = new BigUint64Array(a.length), t = new BigUint64Array(a.length);
        k.add(l, a, b);
        k.mul(l, l, c);
        k.mul(r, a, c);
        k.mul(t, b, c);
        k.add(r, r, t);
        expectSame(l, r);
        k.mulScalar(l, a, 1n << BigInt(s));
        k.shl(r, a, s);
        expectSame(l, r);
      }),
      { numRuns: 100 },
    );
  });
  it('fromBitPlanes(bitPlanes(a)) = a', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }).chain(vec), (a) => {
        const planes = new BigUint64Array(64 * Math.ceil(a.length / 64));
        k.bitPlanes(planes, a, a.length);
        const back = new BigUint64Array(a.length);
        k.fromBitPlanes(back, planes, a.length);
        expectSame(back, a);
      }),
      { numRuns: 100 },
    );
  });
});
