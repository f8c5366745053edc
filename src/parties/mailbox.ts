/**
 * Mailbox: an ordered queue of frames from one sender for one session, with awaiting receivers.
 * Failing it rejects the pending and all future receives (a session abort); receives are
 * promises created on demand, so a failed mailbox never produces an unhandled rejection.
 */
import type { Frame } from '../protocols/channel.js';
import { AsyncQueue } from '../protocols/async-queue.js';

/**
 * Bytes received for one session and not consumed yet, against a cap (limits.maxSessionBufferBytes):
 * a client that sends its input far ahead of the program cannot fill the party's memory.
 * `exceeded` is called once, when a frame would be held past the cap.
 */
export class ByteBudget {
  used = 0;
  private tripped = false;

  constructor(
    readonly max: number,
    private readonly exceeded: (used: number) => void,
  ) {}

  add(n: number): void {
    this.used += n;
    if (this.used > this.max && !this.tripped) {
      this.tripped = true;
      this.exceeded(this.used);
    }
  }

  release(n: number): void {
    this.used -= n;
  }
}

/** Frames from one sender for one session; frames held (not yet taken) count against `budget`. */
export class Mailbox extends AsyncQueue<Frame> {
  private readonly held: number[] = [];

  constructor(private readonly budget?: ByteBudget) {
    super();
  }

  override put(f: Frame): void {
    const before = this.size;
    super.put(f);
    if (this.size > before && this.budget) {
      this.held.push(f.bytes.byteLength);
      this.budget.add(f.bytes.byteLength);
    }
  }

  override take(): Promise<Frame> {
    const before = this.size;
    const p = super.take();
    if (this.size < before && this.budget) this.budget.release(this.held.shift() as number);
    return p;
  }

  override fail(e: Error): void {
    super.fail(e);
    if (this.budget) for (const n of this.held.splice(0)) this.budget.release(n);
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
