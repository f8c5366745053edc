/**
 * MatmulPool: the ring matmuls (a·b, a·bᵀ, accumulating or not) on `threads` threads — this one
 * plus threads − 1 node:worker_threads workers — over ONE shared wasm memory, the ring arena
 * (arena.ts). Operands are copied into it once per call, as the single-thread kernels do, or not
 * at all when resident (weights); no thread copies them again. Each thread
 * computes a disjoint column range of c (mmCols / mmTBCols) with its own packing scratch, so the
 * result is bit-identical to one thread (the ring sums are exact; only who computes which column
 * changes).
 *
 * Calls are asynchronous and run one at a time (the arena's queue): the main thread posts the slices,
 * computes its own slice (in sub-slices that yield to the event loop, so links stay served), then
 * awaits the workers. Workers are unref'd while idle, so an open pool
 * never keeps a process alive; `close()` terminates them. A worker that dies or throws fails the
 * current call and every later one with a RingWorkerError naming the worker, never a hang.
 */
import { Worker } from 'node:worker_threads';
import { bytesOf, ringArena, type RingArena } from './arena.js';
import type { MatmulOp } from './kernels.js';

type Ptr = number;

/** One slice of a call, as posted to a worker. */
interface Slice {
  tb: boolean;
  c: Ptr;
  a: Ptr;
  b: Ptr;
  M: number;
  K: number;
  N: number;
  acc: number;
  s: Ptr;
  j0: number;
  j1: number;
}

/** Plain JS (eval'd), so it runs the same under tsx, vitest and compiled builds. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ex = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
parentPort.on('message', (j) => {
  try {
    if (j.tb) ex.mmTBCols(j.c, j.a, j.b, j.M, j.K, j.N, j.acc, j.j0, j.j1);
    else ex.mmCols(j.c, j.a, j.b, j.M, j.K, j.N, j.acc, j.s, j.j0, j.j1);
    parentPort.postMessage(null);
  } catch (e) {
    parentPort.postMessage(String((e && e.stack) || e));
  }
});
`;

const KC = 4096; // rows of b per k-block in mmCols (assembly/matmul.ts): the scratch a thread needs

export class RingWorkerError extends Error {
  readonly code = 'RING_ERR_WORKER';
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'RingWorkerError';
  }
}

export class MatmulPool {
  readonly threads: number;
  private readonly arena: RingArena;
  private readonly workers: Worker[] = [];
  private waiting: { left: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private closing = false;

  constructor(threads: number, arena: RingArena = ringArena()) {
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`ring threads must be an integer in [1, 256], got ${threads}`);
    this.threads = threads;
    this.arena = arena;
    for (let w = 1; w < threads; w++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: arena.module, memory: arena.memory } });
      worker.on('message', (msg: string | null) => this.onDone(w, msg));
      worker.on('error', (e) => this.fail(new RingWorkerError(`ring worker ${w} crashed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new RingWorkerError(`ring worker ${w} exited unexpectedly (code ${code})`));
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** out (+)= a·b (op 'matmul'/'matmulAcc') or a·bᵀ ('matmulTB'/'matmulTBAcc'), like RingKernels. */
  run(op: MatmulOp, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): Promise<void> {
    return this.arena.serial(() => this.exec(op, out, a, b, M, K, N));
  }

  /** Terminates the workers; later calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.fail(new RingWorkerError('ring thread pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Test hook: kills worker i (1-based, as in error messages) as a crash would. */
  killWorkerForTest(i: number): Promise<number> {
    return this.workers[i - 1].terminate();
  }

  private async exec(op: MatmulOp, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): Promise<void> {
    if (this.failure) throw this.failure;
    const tb = op === 'matmulTB' || op === 'matmulTBAcc';
    const acc = op === 'matmulAcc' || op === 'matmulTBAcc' ? 1 : 0;
    if (out.length !== M * N || a.length !== M * K || b.length !== K * N) {
      throw new RangeError(`pool ${op}: lengths ${out.length}, ${a.length}, ${b.length} do not fit [${M},${K}]·[${K},${N}]`);
    }
    const { arena } = this;
    const ra = arena.isResident(a), rb = arena.isResident(b);
    const scratch = bytesOf(8 * Math.min(Math.max(K, 1), KC));
    const start = arena.scratch((ra ? 0 : bytesOf(M * K)) + (rb ? 0 : bytesOf(K * N)) + bytesOf(M * N) + this.threads * scratch);
    const u64 = arena.words();
    const pa = ra ? a.byteOffset : start;
    const pb = rb ? b.byteOffset : start + (ra ? 0 : bytesOf(M * K));
    const pc = start + (ra ? 0 : bytesOf(M * K)) + (rb ? 0 : bytesOf(K * N)), ps = pc + bytesOf(M * N);
    if (!ra) u64.set(a, pa / 8);
    if (!rb) u64.set(b, pb / 8);
    if (acc) u64.set(out, pc / 8);
    // column ranges in multiples of 8 (the packed panel width); fewer slices when N is narrow
    const width = Math.max(8, Math.ceil(N / this.threads / 8) * 8);
    const slices: Slice[] = [];
    for (let j0 = 0, t = 0; j0 < N; j0 += width, t++) slices.push({ tb, c: pc, a: pa, b: pb, M, K, N, acc, s: ps + t * scratch, j0, j1: Math.min(N, j0 + width) });
    if (slices.length === 0) slices.push({ tb, c: pc, a: pa, b: pb, M, K, N, acc, s: ps, j0: 0, j1: 0 });
    const done = slices.length > 1 ? this.dispatch(slices.slice(1)) : Promise.resolve();
    try {
      const s = slices[0]; // this thread's share, in slices that yield to the event loop
      await arena.colsInSlices(tb, s.c, s.a, s.b, M, K, N, acc, s.s, s.j0, s.j1);
    } finally {
      await done; // never leave workers writing into memory the next call reuses
    }
    out.set(u64.subarray(pc / 8, pc / 8 + M * N));
  }

  private dispatch(slices: Slice[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = { left: slices.length, resolve, reject };
      slices.forEach((s, i) => {
        this.workers[i].ref();
        this.workers[i].postMessage(s);
      });
    });
  }

  private onDone(w: number, msg: string | null): void {
    this.workers[w - 1].unref();
    if (msg !== null) return this.fail(new RingWorkerError(`ring worker ${w} failed: ${msg}`));
    const waiting = this.waiting;
    if (waiting && --waiting.left === 0) {
      this.waiting = null;
      waiting.resolve();
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.workers) w.unref();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(this.failure);
  }
}
