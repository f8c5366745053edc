/**
 * The process-wide ring thread setting: `setRingThreads(n)` (the CLIs' --threads) starts a
 * MatmulPool of n threads that `threadedKernels()` sends the large protocol matmuls to; n = 1
 * (the default) keeps everything on this thread. Small products (few rows, or under POOL_MIN_MACS
 * multiply-adds) stay synchronous: the windowed single-thread path is as fast there and copies less.
 * Products with a resident operand (`adoptResident`, arena.ts) run on the arena, on the pool's
 * threads when there is a pool, else on this thread, without copying that operand.
 */
import { availableParallelism } from 'node:os';
import { ringArena, type RingArena } from './arena.js';
import type { MatmulOp, RingKernels } from './kernels.js';
import { MatmulPool } from './matmul-pool.js';
import { wasmKernels } from './wasm-kernels.js';

let pool: MatmulPool | null = null;
let arena: RingArena | null = null;

/** Products with fewer rows of a than this, or fewer multiply-adds than POOL_MIN_MACS, run on this thread. */
export const POOL_MIN_ROWS = 12;
export const POOL_MIN_MACS = 1 << 21;

/** Uses n threads for large matmuls from now on (n = 1: none); replaces any earlier pool. */
export function setRingThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`--threads must be an integer in [1, 256], got ${n}`);
  if (pool?.threads === n) return;
  const old = pool;
  pool = n > 1 ? new MatmulPool(n, (arena ??= ringArena())) : null;
  void old?.close();
}

export function ringThreads(): number {
  return pool?.threads ?? 1;
}

/** Stops the worker threads (the pool is unref'd, so this is tidiness, not a requirement to exit). */
export async function closeRingThreads(): Promise<void> {
  const old = pool;
  pool = null;
  await old?.close();
}

/**
 * The default thread count: this machine's cores divided among the parties that run on it
 * (`partiesOnHost`, 3 for a local cluster, 1 for a party alone on its host), at least 1.
 */
export function defaultRingThreads(partiesOnHost: number): number {
  return Math.max(1, Math.floor(availableParallelism() / Math.max(1, partiesOnHost)));
}

/** Parses a --threads value; undefined gives defaultRingThreads(partiesOnHost). */
export function parseThreads(value: string | undefined, partiesOnHost: number): number {
  if (value === undefined || value === '') return defaultRingThreads(partiesOnHost);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`--threads must be an integer in [1, 256], got '${value}'`);
  return n;
}

/** Operands smaller than this stay ordinary arrays (copying them per call costs nothing much). */
export const RESIDENT_MIN_ELEMENTS = 4096;

/**
 * A resident copy of a long-lived array (a weight share) in the ring arena, for products that
 * read it in place; null when residency is off (TRIFORM_RESIDENT=0, or the BigInt kernels), the
 * array is small, or the arena's budget is used up. Queued behind running pool calls.
 */
export async function adoptResident(x: BigUint64Array): Promise<BigUint64Array | null> {
  if (process.env.TRIFORM_RESIDENT === '0' || process.env.TRIFORM_KERNELS === 'js' || x.length < RESIDENT_MIN_ELEMENTS) return null;
  const ar = (arena ??= ringArena());
  if (ar.isResident(x)) return x;
  // one resident copy per source array (parties in one process may share weight arrays)
  let copy = adopted.get(x);
  if (copy === undefined) {
    copy = ar.serial(() => ar.adopt(x));
    adopted.set(x, copy);
  }
  return copy;
}
const adopted = new WeakMap<BigUint64Array, Promise<BigUint64Array | null>>();

/** The wasm kernels, with matmulAsync sending large or resident products to the arena / pool. */
export const threadedKernels: RingKernels = {
  ...wasmKernels,
  matmulAsync(op: MatmulOp, out, a, b, M, K, N): Promise<void> {
    const resident = arena !== null && (arena.isResident(b) || arena.isResident(a));
    if (pool !== null && M * K * N >= POOL_MIN_MACS && (M >= POOL_MIN_ROWS || resident)) return pool.run(op, out, a, b, M, K, N);
    if (resident && arena !== null) {
      // sliced, yielding to the event loop: other callers (in-process parties) queue behind it
      const ar = arena;
      const tb = op === 'matmulTB' || op === 'matmulTBAcc', acc = op === 'matmulAcc' || op === 'matmulTBAcc';
      return ar.serial(() => ar.matmul(tb, acc, out, a, b, M, K, N));
    }
    wasmKernels[op](out, a, b, M, K, N);
    return Promise.resolve();
  },
};
