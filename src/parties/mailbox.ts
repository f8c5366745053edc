/**
 * Mailbox: an ordered queue of frames from one sender for one session, with awaiting receivers.
 * Failing it rejects the pending and all future receives (a session abort); receives are
 * promises created on demand, so a failed mailbox never produces an unhandled rejection.
 */
import type { Frame } from '../protocols/channel.js';
import { AsyncQueue } from '../protocols/async-queue.js';

export class Mailbox extends AsyncQueue<Frame> {}

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
