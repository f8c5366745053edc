/**
 * Every wasm ring kernel against the BigInt reference, exactly: random values, the edge values
 * of Z_2^64, odd lengths and odd matmul shapes; a few sanity vectors pin the reference itself,
 * and fast-check properties cover the ring identities.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/ring/kernels.js';
import { wasmKernels, wasmMemoryBytes } from '../../src/ring/wasm-kernels.js';

const U64 = (1n << 64n) - 1n;
/** 0, 1, −1, 2^62−1, 2^62, −2^62, 2^63, 2^63−1 (as u64). */
const EDGES: readonly bigint[] = [0n, 1n, U64, (1n << 62n) - 1n, 1n << 62n, (1n << 64n) - (1n << 62n), 1n << 63n, (1n << 63n) - 1n];
const LENGTHS = [0, 1, 2, 3, 7, 64, 65, 1001];

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
const next = rng(20240607n);

/** n values: random words, with every 5th one an edge value and some small ones. */
function sample(n: number): BigUint64Array {
  const a = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    a[i] = i % 5 === 4 ? EDGES[Number(r % BigInt(EDGES.length))] : i % 7 === 3 ? r & 0xffn : r;
  }
  return a;
}

/** Every ordered pair of edge values: a = [e0,e0,…,e1,…], b = [e0,e1,…]. */
function edgePairs(): [BigUint64Array, BigUint64Array] {
  const a: bigint[] = [], b: bigint[] = [];
  for (const x of EDGES) for (const y of EDGES) (a.push(x), b.push(y));
  return [BigUint64Array.from(a), BigUint64Array.from(b)];
}

function expectSame(actual: BigUint64Array, expected: BigUint64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) expect.fail(`index ${i}: wasm ${actual[i]} !== js ${expected[i]}`);
  }
}

type BinaryOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor';
type UnaryOp = 'neg' | 'not';
type ScalarOp = 'addScalar' | 'mulScalar' | 'andScalar';
type ShiftOp = 'shl' | 'shrLogical' | 'shrArith';
type MatOp = 'matmul' | 'matmulAcc' | 'matmulTB' | 'matmulTBAcc';

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

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 64, 64], [128, 96, 80],
  [4, 4, 4], [5, 7, 6], [2, 9, 3], [1, 50, 13], [9, 1, 9], [6, 3, 1],
  [0, 3, 4], [3, 0, 4], [3, 4, 0],
  [61, 2050, 21], // long K: several cache blocks of rows (mm, mmTB) and of b rows (mmTB)
  [3, 2050, 21], [1, 5000, 9], [11, 700, 50], // few rows: b goes through several windows
];

describe.each(['matmul', 'matmulAcc', 'matmulTB', 'matmulTBAcc'] as MatOp[])('wasm %s', (op) => {
  it.each(SHAPES)('random [%i,%i]x[%i]', (M, K, N) => {
    const a = sample(M * K), b = sample(K * N), init = sample(M * N);
    const ow = init.slice(), oj = init.slice();
    wasmKernels[op](ow, a, b, M, K, N);
    jsKernels[op](oj, a, b, M, K, N);
    expectSame(ow, oj);
  });
  it('edge-value matrices', () => {
    const M = 8, K = EDGES.length, N = 8;
    const a = new BigUint64Array(M * K), b = new BigUint64Array(K * N);
    for (let i = 0; i < a.length; i++) a[i] = EDGES[(i * 3) % EDGES.length];
    for (let i = 0; i < b.length; i++) b[i] = EDGES[(i * 5 + 1) % EDGES.length];
    const init = BigUint64Array.from({ length: M * N }, (_, i) => EDGES[i % EDGES.length]);
    const ow = init.slice(), oj = init.slice();
    wasmKernels[op](ow, a, b, M, K, N);
    jsKernels[op](oj, a, b, M, K, N);
    expectSame(ow, oj);
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
  it('[128,768]x[768,3072] matmul: sampled entries equal BigInt dot products; small calls still right after growth', () => {
    const [M, K, N] = [128, 768, 3072];
    const a = sample(M * K), b = sample(K * N);
    const out = new BigUint64Array(M * N);
    wasmKernels.matmul(out, a, b, M, K, N);
    expect(wasmMemoryBytes()).toBeGreaterThanOrEqual((M * K + K * N + M * N) * 8);
    for (let t = 0; t < 64; t++) {
      const i = Number(next() % BigInt(M)), j = Number(next() % BigInt(N));
      let s = 0n;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      expect(out[i * N + j]).toBe(BigInt.asUintN(64, s));
    }
    const x = sample(7), y = sample(7), ow = new BigUint64Array(7), oj = new BigUint64Array(7);
    wasmKernels.mul(ow, x, y);
    jsKernels.mul(oj, x, y);
    expectSame(ow, oj);
  });
  it.each(['matmul', 'matmulAcc', 'matmulTB', 'matmulTBAcc'] as MatOp[])(
    '%s with a > 4 MiB (several row blocks): rows at block edges equal BigInt dot products',
    (op) => {
      const [M, K, N] = [701, 800, 37];
      const tb = op.startsWith('matmulTB');
      const a = sample(M * K), b = sample(K * N), init = sample(M * N);
      const out = init.slice();
      wasmKernels[op](out, a, b, M, K, N);
      const acc = op.endsWith('Acc');
      for (const i of [0, 1, 3, 4, 651, 652, 653, 654, 655, 699, 700]) {
        for (let j = 0; j < N; j++) {
          let s = acc ? init[i * N + j] : 0n;
          for (let k = 0; k < K; k++) s += a[i * K + k] * (tb ? b[j * K + k] : b[k * N + j]);
          if (out[i * N + j] !== BigInt.asUintN(64, s)) expect.fail(`${op} [${i},${j}]`);
        }
      }
    },
  );
  it.each([
    [13, 8200, 9],
    [5, 4500, 13],
  ])('tall K (%i×%i·%i, several k-blocks): matmul and matmulAcc equal the BigInt reference', (M, K, N) => {
    const a = sample(M * K), b = sample(K * N), init = sample(M * N);
    for (const op of ['matmul', 'matmulAcc'] as const) {
      const ow = init.slice(), oj = init.slice();
      wasmKernels[op](ow, a, b, M, K, N);
      jsKernels[op](oj, a, b, M, K, N);
      expectSame(ow, oj);
    }
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
  it('a·bᵀ computed by matmulTB equals matmul with b transposed; matmulAcc adds', () => {
    const dims = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }));
    fc.assert(
      fc.property(
        dims.chain(([M, K, N]) => fc.tuple(fc.constant([M, K, N] as const), vec(M * K), vec(K * N), vec(M * N))),
        ([[M, K, N], a, b, c]) => {
          const bT = new BigUint64Array(N * K);
          for (let i = 0; i < K; i++) for (let j = 0; j < N; j++) bT[j * K + i] = b[i * N + j];
          const o1 = new BigUint64Array(M * N), o2 = new BigUint64Array(M * N);
          k.matmul(o1, a, b, M, K, N);
          k.matmulTB(o2, a, bT, M, K, N);
          expectSame(o1, o2);
          const acc = c.slice();
          k.matmulAcc(acc, a, b, M, K, N);
          k.add(o1, o1, c);
          expectSame(acc, o1);
        },
      ),
      { numRuns: 100 },
    );
  });
});
