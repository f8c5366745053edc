/**
 * Ring kernel throughput, one JSON object per line on stdout:
 *   {"kernel":"wasm"|"js","op":"matmul","shape":[M,K,N],"gmacs":…, "measured":{…}}
 * gmacs = 10^9 multiply-adds per second from the mean time per call (for elementwise ops and
 * bitPlanes: 10^9 elements per second); `measured` also gives the fastest call. Everything goes through the public RingKernels API, so the wasm figures include
 * copying operands into and out of linear memory. The BigInt reference is too slow for the full
 * shapes: it runs on the first `rows` rows of a (same K, N) and `measured` says so.
 * The machine and config go to stderr.
 *
 * With --threads 1,2,…: the matmul shapes again through MatmulPool (src/ring/matmul-pool.ts) per
 * thread count, {"kernel":"wasm×T","threads":T,…} lines, then a table of G MAC/s per thread count
 * and the speed-up over one thread on stderr. Each shape runs twice: with b copied in per call,
 * and with b resident in the ring arena (`residentB`), as a party's weight shares are: one thread
 * is then the arena's own path, more threads the pool, neither copying b.
 *
 *   npm run bench:ring            (tsx scripts/bench-ring.ts [--quick] [--threads 1,2])
 */
import { cpus } from 'node:os';
import { jsKernels, type RingKernels } from '../src/ring/kernels.js';
import { wasmKernels } from '../src/ring/wasm-kernels.js';
import { MatmulPool } from '../src/ring/matmul-pool.js';
import { ringArena } from '../src/ring/arena.js';
import { InvalidArgumentError } from 'commander';
import { command, list, parse } from './cli.js';

const threadList = (v: string): number[] => {
  const ts = list(v).map(Number);
  if (ts.some((t) => !Number.isInteger(t) || t < 1 || t > 256)) throw new InvalidArgumentError('must be a list of thread counts in [1, 256] like 1,2');
  return ts;
};
const { quick = false, threads: THREADS = [] } = parse<{ quick?: boolean; threads?: number[] }>(
  command('bench:ring', 'Ring kernel throughput (wasm and the BigInt reference), one JSON object per line.')
    .option('--quick', 'shorter timings (200 ms per kernel)')
    .option('--threads <list>', 'also the matmuls on 1, 2, … worker threads (e.g. 1,2): G MAC/s per thread count', threadList),
);
const MIN_MS = quick ? 200 : 1000;
const JS_MACS = quick ? 2e6 : 8e6; // multiply-adds per timed JS matmul sample

function randomWords(n: number): BigUint64Array {
  const a = new BigUint64Array(n);
  const u32 = new Uint32Array(a.buffer);
  for (let i = 0; i < u32.length; i++) u32[i] = (Math.random() * 2 ** 32) >>> 0;
  return a;
}

/** Runs fn at least `minReps` times and for at least `minMs`; mean (reported) and fastest call in ms. */
function time(fn: () => void, minMs: number, minReps = 3): { msPerCall: number; minMs: number; reps: number } {
  fn(); // warm-up (JIT, memory growth)
  let reps = 0, fastest = Infinity;
  const t0 = performance.now();
  let t = t0;
  while (reps < minReps || t - t0 < minMs) {
    fn();
    reps++;
    const now = performance.now();
    fastest = Math.min(fastest, now - t);
    t = now;
  }
  return { msPerCall: (t - t0) / reps, minMs: fastest, reps };
}

const ms = (x: number): number => Number(x.toFixed(3));

function emit(kernel: string, op: string, shape: number[], gops: number, measured: Record<string, unknown>): void {
  console.log(JSON.stringify({ kernel, op, shape, gmacs: Number(gops.toFixed(4)), measured }));
}

function benchMatmul(k: RingKernels, op: 'matmul' | 'matmulTB', [M, K, N]: [number, number, number]): void {
  const rows = k === jsKernels ? Math.max(1, Math.min(M, Math.round(JS_MACS / (K * N)))) : M;
  const a = randomWords(rows * K), b = randomWords(K * N), out = new BigUint64Array(rows * N);
  const { msPerCall, minMs, reps } = time(() => k[op](out, a, b, rows, K, N), k === jsKernels ? 0 : MIN_MS, k === jsKernels ? 1 : 3);
  const macs = rows * K * N;
  emit(k.name, op, [M, K, N], macs / (msPerCall * 1e6), { shape: [rows, K, N], reps, msPerCall: ms(msPerCall), minMs: ms(minMs) });
}

function benchElementwise(k: RingKernels, op: 'add' | 'mul' | 'bitPlanes', n: number): void {
  const len = k === jsKernels && op === 'bitPlanes' ? n / 64 : n; // 64 BigInt shifts per element in the reference
  const a = randomWords(len), b = randomWords(len);
  const out = new BigUint64Array(op === 'bitPlanes' ? 64 * Math.ceil(len / 64) : len);
  const fn = op === 'bitPlanes' ? () => k.bitPlanes(out, a, len) : () => k[op](out, a, b);
  const { msPerCall, minMs, reps } = time(fn, k === jsKernels ? MIN_MS / 2 : MIN_MS, k === jsKernels ? 1 : 3);
  emit(k.name, op, [n], len / (msPerCall * 1e6), { shape: [len], reps, msPerCall: ms(msPerCall), minMs: ms(minMs) });
}

const cpu = cpus();
console.error(`# bench-ring: ${cpu[0]?.model ?? 'unknown cpu'} x${cpu.length}, node ${process.version}, ${process.platform}-${process.arch}${quick ? ', --quick' : ''}`);

const SHAPES: [number, number, number][] = [[128, 768, 768], [128, 768, 3072], [1, 768, 3072], [32, 50257, 768]];
for (const shape of SHAPES) {
  benchMatmul(wasmKernels, 'matmul', shape);
  benchMatmul(jsKernels, 'matmul', shape);
}
for (const shape of SHAPES) benchMatmul(wasmKernels, 'matmulTB', shape);
for (const op of ['add', 'mul', 'bitPlanes'] as const) {
  benchElementwise(wasmKernels, op, 1 << 20);
  benchElementwise(jsKernels, op, 1 << 20);
}

/** Mean time of an async call, as time() does for sync ones. */
async function timeAsync(fn: () => Promise<void>, minMs: number, minReps = 3): Promise<{ msPerCall: number; minMs: number; reps: number }> {
  await fn();
  let reps = 0, fastest = Infinity;
  const t0 = performance.now();
  let t = t0;
  while (reps < minReps || t - t0 < minMs) {
    await fn();
    reps++;
    const now = performance.now();
    fastest = Math.min(fastest, now - t);
    t = now;
  }
  return { msPerCall: (t - t0) / reps, minMs: fastest, reps };
}

if (THREADS.length > 0) {
  // thread counts side by side per shape (not one count after the other): fairer on a noisy box
  const pools = new Map(THREADS.map((T) => [T, T > 1 ? new MatmulPool(T) : null]));
  const table: string[] = [];
  for (const op of ['matmul', 'matmulTB'] as const) {
    for (const [M, K, N] of SHAPES.filter(([m]) => m > 1)) {
      const a = randomWords(M * K), b = randomWords(K * N), out = new BigUint64Array(M * N);
      // as given (b copied in per call), then b resident in the arena as a party's weight shares are (adoptResident)
      const rb = await ringArena().serial(() => ringArena().adopt(b));
      for (const [label, bb] of [['', b], [' b resident', rb]] as const) {
        if (!bb) continue;
        let base = 0;
        for (const T of THREADS) {
          const pool = pools.get(T);
          const one = bb === b ? () => Promise.resolve(wasmKernels[op](out, a, b, M, K, N)) : () => ringArena().serial(() => ringArena().matmul(op === 'matmulTB', false, out, a, bb, M, K, N));
          const r = await timeAsync(async () => (pool ? pool.run(op, out, a, bb, M, K, N) : one()), MIN_MS);
          const g = (M * K * N) / (r.msPerCall * 1e6);
          base ||= g;
          console.log(JSON.stringify({ kernel: `wasm×${T}`, threads: T, op, shape: [M, K, N], residentB: bb !== b, gmacs: Number(g.toFixed(4)), measured: { reps: r.reps, msPerCall: ms(r.msPerCall), minMs: ms(r.minMs) } }));
          table.push(`${`${op} [${M},${K},${N}]${label}`.padEnd(37)} threads ${String(T).padStart(2)}  ${g.toFixed(2).padStart(6)} G MAC/s  ×${(g / base).toFixed(2)} vs ${THREADS[0]}`);
        }
      }
    }
  }
  await Promise.all([...pools.values()].map((p) => p?.close()));
  console.error(table.join('\n'));
}
