/**
 * The ring arena: resident copies equal their source and survive memory growth; products with a
 * resident operand (read in place) equal the one-thread wasm kernels and the BigInt reference, on
 * this thread and on a 2-thread pool; the budget is enforced; adoptResident respects
 * TRIFORM_RESIDENT=0 and small arrays.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RingArena } from '../../src/ring/arena.js';
import { jsKernels, type MatmulOp } from '../../src/ring/kernels.js';
import { MatmulPool } from '../../src/ring/matmul-pool.js';
import { adoptResident, closeRingThreads, setRingThreads, threadedKernels } from '../../src/ring/threads.js';
import { wasmKernels } from '../../src/ring/wasm-kernels.js';

let seed = 0x0badc0ffee123457n;
function sample(n: number): BigUint64Array {
  const a = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    seed = BigInt.asUintN(64, seed * 6364136223846793005n + 1442695040888963407n);
    a[i] = seed ^ (seed >> 29n);
  }
  return a;
}
const same = (x: BigUint64Array, y: BigUint64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
const OPS: MatmulOp[] = ['matmul', 'matmulAcc', 'matmulTB', 'matmulTBAcc'];
const isTB = (op: MatmulOp) => op.startsWith('matmulTB');
const isAcc = (op: MatmulOp) => op.endsWith('Acc');

describe('RingArena', () => {
  const arena = new RingArena(64 * 2 ** 20);
  const pool = new MatmulPool(2, arena);
  afterAll(() => pool.close());

  it('resident copies equal their source, stay valid across growth, and are recognised', async () => {
    const src = sample(1000);
    const r = (await arena.adopt(src))!;
    expect(arena.isResident(r)).toBe(true);
    expect(arena.isResident(src)).toBe(false);
    arena.scratch(8 * 2 ** 20); // grows the memory: r keeps its values
    expect(same(r, src)).toBe(true);
    expect(arena.isResident(r.subarray(10, 20))).toBe(true);
  });

  it.each([
    [1, 40, 77],
    [3, 17, 9],
    [13, 50, 24],
    [20, 4200, 8],
  ])('[%i,%i]·[%i] with resident b (and a): all four products equal one thread and BigInt, here and on 2 threads', async (M, K, N) => {
    const a = sample(M * K), b = sample(K * N), init = sample(M * N);
    const rb = (await arena.adopt(b))!, ra = (await arena.adopt(a))!;
    for (const op of OPS) {
      const ref = init.slice(), one = init.slice();
      jsKernels[op](ref, a, b, M, K, N);
      wasmKernels[op](one, a, b, M, K, N);
      expect(same(one, ref)).toBe(true);
      for (const [x, y] of [[a, rb], [ra, rb], [ra, b]] as const) {
        const here = init.slice(), threaded = init.slice();
        await arena.matmul(isTB(op), isAcc(op), here, x, y, M, K, N);
        await pool.run(op, threaded, x, y, M, K, N);
        expect(same(here, ref), `${op} on this thread`).toBe(true);
        expect(same(threaded, ref), `${op} on 2 threads`).toBe(true);
      }
    }
  });

  it('adopt returns null past the budget', async () => {
    const small = new RingArena(12 * 1024);
    expect(await small.adopt(new BigUint64Array(1024))).not.toBeNull();
    expect(await small.adopt(new BigUint64Array(1024))).toBeNull();
  });
});

describe('adoptResident and threadedKernels', () => {
  afterAll(() => closeRingThreads());

  it('small arrays and TRIFORM_RESIDENT=0 are left alone; resident products match', async () => {
    expect(await adoptResident(new BigUint64Array(10))).toBeNull();
    process.env.TRIFORM_RESIDENT = '0';
    expect(await adoptResident(new BigUint64Array(8192))).toBeNull();
    delete process.env.TRIFORM_RESIDENT;
    const [M, K, N] = [1, 768, 300];
    const a = sample(M * K), b = sample(K * N);
    const rb = (await adoptResident(b))!;
    expect(rb).not.toBeNull();
    for (const T of [1, 2]) {
      setRingThreads(T);
      const got = new BigUint64Array(M * N), want = got.slice();
      await threadedKernels.matmulAsync!('matmul', got, a, rb, M, K, N);
      wasmKernels.matmul(want, a, b, M, K, N);
      expect(same(got, want), `threads ${T}`).toBe(true);
    }
  });
});
