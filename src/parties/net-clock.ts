/**
 * NetClock: the wake-up source of the network shaper (net-shaper.ts). Node's timers fire on whole
 * milliseconds at best (a 0.5 ms delay takes ~1.1 ms), which would double a LAN round trip; this
 * clock sleeps in a worker thread with Atomics.wait (futex, sub-millisecond) until the earliest
 * deadline and then posts one message to the event loop. The event loop is never blocked and
 * nothing spins: the worker sleeps in the kernel, the main thread only handles the wake-up.
 *
 * One clock per process, shared by all shaped links; times are absolute milliseconds
 * (performance.timeOrigin + performance.now(), the same in both threads). The worker is unref'd:
 * it never keeps a process alive.
 */
import { Worker } from 'node:worker_threads';

/** Absolute time in ms with sub-ms resolution, comparable across threads. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

const WORKER_SRC = `
const { workerData, parentPort } = require('node:worker_threads');
const gen = new Int32Array(workerData, 0, 1);
const at = new Float64Array(workerData, 8, 1);
const now = () => performance.timeOrigin + performance.now();
for (;;) {
  const g = Atomics.load(gen, 0);
  const t = at[0];
  if (t === 0) { Atomics.wait(gen, 0, g); continue; }
  const d = t - now();
  if (d > 0) { Atomics.wait(gen, 0, g, d); continue; }
  parentPort.postMessage(0);
  Atomics.wait(gen, 0, g); // until the main thread re-arms (or clears) the deadline
}
`;

export interface Wakeable {
  /** Absolute ms of this user's next deadline, or Infinity. */
  nextDeadline(): number;
  /** Called on a wake-up: handle everything due by `now`. */
  onWake(now: number): void;
}

export class NetClock {
  private readonly gen: Int32Array;
  private readonly at: Float64Array;
  private readonly users = new Set<Wakeable>();
  private worker: Worker | null = null;

  constructor() {
    const sab = new SharedArrayBuffer(16);
    this.gen = new Int32Array(sab, 0, 1);
    this.at = new Float64Array(sab, 8, 1);
  }

  private start(): Worker {
    const w = new Worker(WORKER_SRC, { eval: true, workerData: this.gen.buffer });
    w.on('message', () => this.wake());
    w.on('error', () => (this.worker = null)); // re-created on the next rearm
    w.unref();
    return w;
  }

  add(u: Wakeable): void {
    this.users.add(u);
  }

  remove(u: Wakeable): void {
    this.users.delete(u);
    this.rearm();
  }

  /** Recompute the earliest deadline of all users and tell the worker. */
  rearm(): void {
    let next = Infinity;
    for (const u of this.users) next = Math.min(next, u.nextDeadline());
    if (next !== Infinity) this.worker ??= this.start();
    this.at[0] = next === Infinity ? 0 : next;
    Atomics.add(this.gen, 0, 1);
    Atomics.notify(this.gen, 0);
  }

  private wake(): void {
    const now = nowMs();
    for (const u of [...this.users]) if (u.nextDeadline() <= now) u.onWake(now);
    this.rearm();
  }
}

let shared: NetClock | null = null;

/** The process-wide clock (created on first use). */
export function netClock(): NetClock {
  shared ??= new NetClock();
  return shared;
}
