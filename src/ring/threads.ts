/**
 * The process-wide ring thread setting: `setRingThreads(n)` (the CLIs' --threads) starts a
 * MatmulPool of n threads that `threadedKernels()` sends the large protocol matmuls to; n = 1
 * (the default) keeps everything on this thread. Small products (few rows, or under POOL_MIN_MACS
 * multiply-adds) stay synchronous: the windowed single-thread path is as fast there and copies less.
 */
import { availableParallelism } from 'node:os';
import type { MatmulOp, RingKernels } from './kernels.js';
import { MatmulPool } from './matmul-pool.js';
import { wasmKernels } from './wasm-kernels.js';

let pool: MatmulPool | null = null;

/** Products with fewer rows of a than this, or fewer multiply-adds than POOL_MIN_MACS, run on this thread. */
export const POOL_MIN_ROWS = 12;
export const POOL_MIN_MACS = 1 << 21;

/** Uses n threads for large matmuls from now on (n = 1: none); replaces any earlier pool. */
export function setRingThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`--threads must be an integer in [1, 256], got ${n}`);
  if (pool?.threads === n) return;
  const old = pool;
  pool = n > 1 ? new MatmulPool(n) : null;
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

/** The wasm kernels, with matmulAsync sending large products to the current pool (if any). */
export const threadedKernels: RingKernels = {
  ...wasmKernels,
  matmulAsync(op: MatmulOp, out, a, b, M, K, N): Promise<void> {
    if (pool === null || M < POOL_MIN_ROWS || M * K * N < POOL_MIN_MACS) {
      wasmKernels[op](out, a, b, M, K, N);
      return Promise.resolve();
    }
    return pool.run(op, out, a, b, M, K, N);
  },
};
