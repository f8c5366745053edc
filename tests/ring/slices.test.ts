/**
 * Sliced ring work (src/ring/_slices.ts): column slices cover a range in panel-aligned pieces; a
 * product run in many slices on this thread, or as the main thread's share of a 2-thread pool,
 * equals the one-shot wasm kernel and the BigInt reference bit for bit (odd shapes, tall K,
 * accumulation); a copy into the arena in many steps equals its source; and the event loop keeps
 * running (event-loop turns happen, a timer fires) during a tall one-hot · vocabulary-table product and during the
 * adoption of a large table. Timing bounds are generous (the machine may be loaded): the tests
 * count event-loop turns during the work and bound the longest timer gap by 2 s only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { columnSlices } from '../../src/ring/_slices.js';
import { RingArena } from '../../src/ring/arena.js';
import { jsKernels, type MatmulOp } from '../../src/ring/kernels.js';
import { MatmulPool } from '../../src/ring/matmul-pool.js';
import { adoptResident, threadedKernels } from '../../src/ring/threads.js';
import { wasmKernels } from '../../src/ring/wasm-kernels.js';

let seed = 0x2545f4914f6cdd1dn;
function sample(n: number): BigUint64Array {
  const a = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    seed = BigInt.asUintN(64, seed * 6364136223846793005n + 1442695040888963407n);
    a[i] = seed ^ (seed >> 31n);
  }
  return a;
}
const same = (x: BigUint64Array, y: BigUint64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
const OPS: MatmulOp[] = ['matmul', 'matmulAcc', 'matmulTB', 'matmulTBAcc'];

/**
 * While `work` runs: event-loop turns (a setImmediate chain: one per yield of the work, however
 * fast the machine) and the longest gap between ticks of a 5 ms timer.
 */
async function loopDuring(work: () => Promise<void>): Promise<{ turns: number; maxGapMs: number }> {
  let turns = 0, running = true, last = performance.now(), maxGapMs = 0;
  const turn = () => {
    if (!running) return;
    turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  const t = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    running = false;
    clearInterval(t);
  }
  return { turns, maxGapMs: Math.max(maxGapMs, performance.now() - last) };
}

describe('columnSlices', () => {
  it.each([
    [1, 768, 0, 50257, 1 << 14],
    [13, 4097, 0, 37, 1000],
    [3, 5, 16, 23, 1],
    [8, 8, 5, 5, 1],
  ])('M %i K %i [%i, %i) at %i MACs: disjoint, covering, starts on panels', (M, K, j0, j1, macs) => {
    const s = columnSlices(M, K, j0, j1, macs);
    expect(s[0][0]).toBe(j0);
    expect(s.at(-1)?.[1]).toBe(j1);
    for (let i = 1; i < s.length; i++) {
      expect(s[i][0]).toBe(s[i - 1][1]);
      expect((s[i][0] - j0) % 8).toBe(0);
    }
    for (const [a, b] of s.slice(0, -1)) expect(b - a).toBeGreaterThanOrEqual(8);
  });
});

describe('products in many slices', () => {
  const arena = new RingArena(64 * 2 ** 20);
  arena.sliceMacs = 1; // one 8-column panel per slice
  arena.copyChunk = 100;
  const pool = new MatmulPool(2, arena);
  afterAll(() => pool.close());

  it.each([
    [1, 300, 37],
    [3, 4099, 13],
    [5, 17, 70],
    [13, 50, 41],
    [12, 9, 1],
  ])('[%i,%i]·[%i]: sliced, here and on 2 threads, equals one shot and BigInt', async (M, K, N) => {
    const a = sample(M * K), b = sample(K * N), init = sample(M * N);
    const rb = (await arena.adopt(b))!;
    expect(same(rb, b)).toBe(true); // copied in 100-element steps
    for (const op of OPS) {
      const tb = op.startsWith('matmulTB'), acc = op.endsWith('Acc');
      const ref = init.slice(), one = init.slice(), here = init.slice(), threaded = init.slice();
      if (M * K * N <= 20_000) jsKernels[op](ref, a, b, M, K, N);
      wasmKernels[op](one, a, b, M, K, N);
      await arena.serial(() => arena.matmul(tb, acc, here, a, rb, M, K, N));
      await pool.run(op, threaded, a, rb, M, K, N);
      if (M * K * N <= 20_000) expect(same(one, ref), `${op} one shot vs BigInt`).toBe(true);
      expect(same(here, one), `${op} sliced on this thread`).toBe(true);
      expect(same(threaded, one), `${op} sliced on 2 threads`).toBe(true);
    }
  });
});

describe('the event loop runs during large ring work', () => {
  it('a one-hot [16, 50257] · table [50257, 192] product (resident table) lets a timer fire', async () => {
    const V = 50257, D = 192, T = 16;
    const table = (await adoptResident(sample(V * D)))!;
    expect(table).not.toBeNull();
    const onehot = new BigUint64Array(T * V);
    for (let i = 0; i < T; i++) onehot[i * V + ((i * 7919) % V)] = 1n;
    const out = new BigUint64Array(T * D);
    const { turns, maxGapMs } = await loopDuring(() => threadedKernels.matmulAsync!('matmul', out, onehot, table, T, V, D));
    for (let i = 0; i < T; i++) {
      const row = (i * 7919) % V;
      expect(same(out.subarray(i * D, (i + 1) * D), table.subarray(row * D, (row + 1) * D))).toBe(true);
    }
    expect(turns, `event-loop turns during the product (longest timer gap ${maxGapMs.toFixed(0)} ms)`).toBeGreaterThanOrEqual(4);
    expect(maxGapMs).toBeLessThan(2000);
  });

  it('adopting a 64 MB table lets a timer fire', async () => {
    const arena = new RingArena(128 * 2 ** 20);
    const src = new BigUint64Array(8 * 2 ** 20).fill(0x0123_4567_89ab_cdefn);
    let r: BigUint64Array | null = null;
    const { turns, maxGapMs } = await loopDuring(async () => void (r = await arena.serial(() => arena.adopt(src))));
    expect(same(r as unknown as BigUint64Array, src)).toBe(true);
    expect(turns, `event-loop turns during the copy (longest timer gap ${maxGapMs.toFixed(0)} ms)`).toBeGreaterThanOrEqual(4);
    expect(maxGapMs).toBeLessThan(2000);
  });
});
