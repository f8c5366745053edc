/**
 * The wasm matrix products against the BigInt reference, exactly: odd and empty shapes, long K
 * (several cache blocks), edge-value matrices, a GPT-2-sized product after memory growth, and
 * fast-check properties tying matmul, matmulTB and matmulAcc together.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/ring/kernels.js';
import { wasmKernels, wasmMemoryBytes } from '../../src/ring/wasm-kernels.js';
import { EDGES, U64, expectSame, next, sample } from './_kernel-samples.js';

type MatOp = 'matmul' | 'matmulAcc' | 'matmulTB' | 'matmulTBAcc';

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


describe('large products and memory growth', () => {
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
});

describe('product identities (fast-check, wasm)', () => {
  const word = fc.oneof(fc.constantFrom(...EDGES), fc.bigInt({ min: 0n, max: U64 }));
  const vec = (len: number) => fc.array(word, { minLength: len, maxLength: len }).map((v) => BigUint64Array.from(v));
  const k = wasmKernels;
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
