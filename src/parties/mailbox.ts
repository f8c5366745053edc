/**
 * Mailbox: an ordered queue of frames from one sender for one session, with awaiting receivers.
 * Failing it rejects the pending and all future receives (a session abort); receives are
 * promises created on demand, so a failed mailbox never produces an unhandled rejection.
 */
import type { Frame } from '../protocols/channel.js';

export class Mailbox {
  private readonly frames: Frame[] = [];
  private readonly waiters: { resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private ended: Error | null = null;

  get failed(): Error | null {
    return this.failure;
  }

  get size(): number {
    return this.frames.length;
  }

  put(f: Frame): void {
    if (this.failure || this.ended) return;
    const w = this.waiters.shift();
    if (w) w.resolve(f);
    else this.frames.push(f);
  }

  take(): Promise<Frame> {
    if (this.failure) return Promise.reject(this.failure);
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** No more frames will come: queued frames can still be taken, then receives reject with `e`. */
  end(e: Error): void {
    if (this.failure || this.ended) return;
    this.ended = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.frames.length = 0;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
}

/** A one-shot settable promise (join messages, client outcomes). */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: Error) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = (v) => {
        if (this.settled) return;
        this.settled = true;
        res(v);
      };
      this.reject = (e) => {
        if (this.settled) return;
        this.settled = true;
        rej(e);
      };
    });
    this.promise.catch(() => undefined);
  }
}

/** Reject after `ms` with `make()` unless `p` settles first. */
export function timeout<T>(p: Promise<T>, ms: number, make: () => Error): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(make()), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
