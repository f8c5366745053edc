/**
 * The shared ring arena: one shared wasm memory (the kernels built with an imported shared memory,
 * RING_WASM_SHARED_BASE64) with an instance on this thread, used by the worker threads of
 * matmul-pool.ts and for RESIDENT operands.
 *
 * Resident operands (`adopt`): long-lived matrices — a party's weight shares — copied once into
 * the arena, returned as BigUint64Array views of it. A product whose b is resident reads it in
 * place: no per-call copy of the weights (for the M = 1 products of a decode step that copy cost
 * about as much as the multiply-adds). A shared memory never detaches its buffer on growth, so the
 * views stay valid for the life of the process. Residents are never freed; `adopt` returns null
 * once the budget (default RESIDENT_BUDGET) is used up (the caller keeps its ordinary arrays and
 * pays the copy). Copies in and products on this thread run in slices that yield to the event
 * loop (_slices.ts), so a party's links stay alive meanwhile.
 *
 * Memory layout: [heap base, top) residents, bump-allocated; [top, …) per-call scratch (operands
 * that are not resident, packing scratch, c). `serial` orders everything that touches the scratch
 * or moves `top` when calls can interleave (the thread pool awaits its workers).
 */
import { RING_WASM_SHARED_BASE64 } from './_wasm.generated.js';
import { columnSlices, COPY_CHUNK, copyInSteps, SLICE_MACS, yieldToLoop } from './_slices.js';

type Ptr = number;

export interface SharedMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface ArenaExports {
  heapBase(): Ptr;
  mmCols(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number, scratch: Ptr, j0: number, j1: number): void;
  mmTBCols(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number, j0: number, j1: number): void;
}

const PAGE = 65536;
export const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit (the shared build's declared maximum)
/** Bytes of residents at most: GPT-2 base's weight shares of one party (2 GB) fit, with room for scratch. */
export const RESIDENT_BUDGET = 2.75 * 2 ** 30;

export const bytesOf = (n: number): number => Math.ceil(n / 2) * 16;

export class RingArena {
  readonly module: object;
  readonly memory: SharedMemory;
  readonly ex: ArenaExports;
  private top: Ptr;
  private u64: BigUint64Array;
  /** Every buffer object this memory has handed out (one per growth): residency is b.buffer ∈ this set. */
  private readonly buffers = new WeakSet<object>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Multiply-adds per slice of a product on this thread, elements per step of `adopt` (tests make them small). */
  sliceMacs = SLICE_MACS;
  copyChunk = COPY_CHUNK;

  constructor(readonly budget: number = RESIDENT_BUDGET) {
    this.module = new WASM.Module(Buffer.from(RING_WASM_SHARED_BASE64, 'base64'));
    this.memory = new WASM.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.ex = new WASM.Instance(this.module, { env: { memory: this.memory } }).exports as ArenaExports;
    this.top = (this.ex.heapBase() + 15) & ~15;
    this.u64 = this.view();
  }

  /** Bytes held by residents. */
  get residentBytes(): number {
    return this.top - ((this.ex.heapBase() + 15) & ~15);
  }

  /**
   * A resident copy of `src` (a view of the arena), or null when the budget is used up. The copy
   * runs in steps that yield to the event loop (_slices.ts); call it inside `serial`.
   */
  async adopt(src: BigUint64Array): Promise<BigUint64Array | null> {
    const bytes = bytesOf(src.length);
    if (this.residentBytes + bytes > this.budget) return null;
    const ptr = this.top;
    this.grow(ptr + bytes);
    this.top = ptr + bytes; // reserved before the first yield: later scratch starts above it
    await copyInSteps(() => this.u64, src, ptr / 8, this.copyChunk);
    return new BigUint64Array(this.u64.buffer, ptr, src.length);
  }

  isResident(a: BigUint64Array): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Start of the per-call scratch, after making [start, start + bytes) addressable. */
  scratch(bytes: number): Ptr {
    this.grow(this.top + bytes);
    return this.top;
  }

  /** The word array over the whole memory as it is now. */
  words(): BigUint64Array {
    return this.u64;
  }

  /** Runs fn after every earlier `serial` call has settled. */
  serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One product on this thread: resident operands are read in place, the others copied into the
   * scratch; same contract as the RingKernels matmuls. Runs in column slices that yield to the
   * event loop (colsInSlices), so call it inside `serial`.
   */
  async matmul(tb: boolean, acc: boolean, out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, M: number, K: number, N: number): Promise<void> {
    const ra = this.isResident(a), rb = this.isResident(b);
    const packBytes = bytesOf(8 * Math.min(Math.max(K, 1), 4096));
    const need = (ra ? 0 : bytesOf(M * K)) + (rb ? 0 : bytesOf(K * N)) + bytesOf(M * N) + packBytes;
    let p = this.scratch(need);
    const u64 = this.u64;
    const place = (x: BigUint64Array, resident: boolean): Ptr => {
      if (resident) return x.byteOffset;
      const at = p;
      u64.set(x, at / 8);
      p += bytesOf(x.length);
      return at;
    };
    const pa = place(a, ra), pb = place(b, rb), pc = p, ps = pc + bytesOf(M * N);
    if (acc) u64.set(out, pc / 8);
    await this.colsInSlices(tb, pc, pa, pb, M, K, N, acc ? 1 : 0, ps, 0, N);
    out.set(this.u64.subarray(pc / 8, pc / 8 + M * N));
  }

  /**
   * Columns [j0, j1) of c (+)= a·b or a·bᵀ (pointers into the arena) on this thread, in slices of
   * about SLICE_MACS with a yield to the event loop between them; bit-identical to one call.
   */
  async colsInSlices(tb: boolean, c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, acc: number, scratch: Ptr, j0: number, j1: number): Promise<void> {
    const slices = columnSlices(M, K, j0, j1, this.sliceMacs);
    for (const [i, [s0, s1]] of slices.entries()) {
      if (i > 0) await yieldToLoop();
      if (tb) this.ex.mmTBCols(c, a, b, M, K, N, acc, s0, s1);
      else this.ex.mmCols(c, a, b, M, K, N, acc, scratch, s0, s1);
    }
  }

  private grow(end: number): void {
    if (end > MAX_PAGES * PAGE) throw new RangeError(`ring arena: ${end} bytes needed, over the 4 GiB wasm32 limit`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    if (this.u64.byteLength !== this.memory.buffer.byteLength) this.u64 = this.view();
  }

  private view(): BigUint64Array {
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    return new BigUint64Array(buf);
  }
}

let shared: RingArena | null = null;

/** The process's arena, created on first use. */
export function ringArena(): RingArena {
  shared ??= new RingArena();
  return shared;
}
