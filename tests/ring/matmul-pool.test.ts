/**
 * The threaded matmuls: every product on 2 and 3 threads equals the one-thread wasm kernels and
 * the BigInt reference exactly (odd shapes, column ranges narrower than the thread count, tall K,
 * accumulation); concurrent calls queue; a dead worker fails the call with a RingWorkerError
 * instead of hanging; closed pools reject. Worker threads are closed after each suite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { jsKernels, type MatmulOp } from '../../src/ring/kernels.js';
import { MatmulPool, RingWorkerError } from '../../src/ring/matmul-pool.js';
import { closeRingThreads, parseThreads, ringThreads, setRingThreads, threadedKernels } from '../../src/ring/threads.js';
import { wasmKernels } from '../../src/ring/wasm-kernels.js';

const U64 = (1n << 64n) - 1n;
let s = 0x1234_5678_9abc_def0n;
function sample(n: number): BigUint64Array {
  const a = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b97f4a7c15n) & U64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & U64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & U64;
    a[i] = i % 11 === 5 ? U64 : z ^ (z >> 31n);
  }
  return a;
}

function expectSame(actual: BigUint64Array, expected: BigUint64Array, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) expect.fail(`${label} index ${i}: ${actual[i]} !== ${expected[i]}`);
}

const OPS: MatmulOp[] = ['matmul', 'matmulAcc', 'matmulTB', 'matmulTBAcc'];
/** [M, K, N]: packed and row-kernel paths, N not a multiple of 8 and narrower than 8·threads, K = 0. */
const SHAPES: [number, number, number][] = [[13, 17, 37], [16, 9, 8], [3, 33, 70], [12, 5, 1], [20, 0, 9], [0, 4, 6], [29, 64, 130]];

describe.each([2, 3])('MatmulPool with %i threads', (threads) => {
  const pool = new MatmulPool(threads);
  afterAll(() => pool.close());

  it.each(SHAPES)('[%i,%i]·[%i]: all four products equal one thread and the BigInt reference', async (M, K, N) => {
    const a = sample(M * K), b = sample(K * N), init = sample(M * N);
    for (const op of OPS) {
      const got = init.slice(), one = init.slice(), ref = init.slice();
      await pool.run(op, got, a, b, M, K, N);
      wasmKernels[op](one, a, b, M, K, N);
      jsKernels[op](ref, a, b, M, K, N);
      expectSame(got, ref, `${op} vs BigInt`);
      expectSame(got, one, `${op} vs one thread`);
    }
  });

  it('tall K (several k-blocks) and a 128×768·768 product equal one thread', async () => {
    for (const [M, K, N] of [[14, 9000, 24], [128, 768, 768]]) {
      const a = sample(M * K), b = sample(K * N);
      for (const op of ['matmulAcc', 'matmulTB'] as const) {
        const got = new BigUint64Array(M * N).fill(7n), one = got.slice();
        await pool.run(op, got, a, b, M, K, N);
        wasmKernels[op](one, a, b, M, K, N);
        expectSame(got, one, `${op} [${M},${K},${N}]`);
      }
    }
  });

  it('concurrent calls queue and each gets its own result', async () => {
    const jobs = [[16, 40, 33], [20, 8, 100], [13, 300, 17]].map(([M, K, N]) => {
      const a = sample(M * K), b = sample(K * N), out = new BigUint64Array(M * N), want = out.slice();
      wasmKernels.matmul(want, a, b, M, K, N);
      return { run: pool.run('matmul', out, a, b, M, K, N), out, want };
    });
    await Promise.all(jobs.map((j) => j.run));
    for (const j of jobs) expectSame(j.out, j.want, 'queued');
  });
});

describe('MatmulPool failures', () => {
  it('a worker that dies fails the call with a RingWorkerError, and later calls too', async () => {
    const pool = new MatmulPool(3);
    const out = new BigUint64Array(16 * 64);
    await pool.run('matmul', out, sample(16 * 64), sample(64 * 64), 16, 64, 64);
    await pool.killWorkerForTest(2);
    const run = pool.run('matmul', out, sample(16 * 64), sample(64 * 64), 16, 64, 64);
    await expect(run).rejects.toBeInstanceOf(RingWorkerError);
    await expect(run).rejects.toThrow(/ring worker 2 exited unexpectedly/);
    await expect(pool.run('matmul', out, sample(16 * 64), sample(64 * 64), 16, 64, 64)).rejects.toBeInstanceOf(RingWorkerError);
    await pool.close();
  });

  it('a closed pool rejects; bad lengths are a RangeError', async () => {
    const pool = new MatmulPool(2);
    await expect(pool.run('matmul', new BigUint64Array(3), new BigUint64Array(4), new BigUint64Array(4), 2, 2, 2)).rejects.toBeInstanceOf(RangeError);
    await pool.close();
    await expect(pool.run('matmul', new BigUint64Array(4), new BigUint64Array(4), new BigUint64Array(4), 2, 2, 2)).rejects.toThrow(/closed/);
    expect(() => new MatmulPool(0)).toThrow(RangeError);
  });
});

describe('process-wide ring threads', () => {
  afterAll(() => closeRingThreads());

  it('threadedKernels.matmulAsync uses the pool for large products and matches one thread', async () => {
    setRingThreads(2);
    expect(ringThreads()).toBe(2);
    const [M, K, N] = [64, 256, 200]; // 3.3 M multiply-adds: above the pool threshold
    const a = sample(M * K), b = sample(K * N);
    const got = new BigUint64Array(M * N), one = got.slice();
    await threadedKernels.matmulAsync!('matmul', got, a, b, M, K, N);
    wasmKernels.matmul(one, a, b, M, K, N);
    expectSame(got, one, 'threaded');
    setRingThreads(1);
    expect(ringThreads()).toBe(1);
  });

  it('parseThreads: explicit values, the per-host default, and bad input', () => {
    expect(parseThreads('3', 3)).toBe(3);
    expect(parseThreads(undefined, 1)).toBeGreaterThanOrEqual(1);
    expect(parseThreads(undefined, 1000)).toBe(1);
    expect(() => parseThreads('0', 1)).toThrow(RangeError);
    expect(() => parseThreads('two', 1)).toThrow(RangeError);
  });
});
