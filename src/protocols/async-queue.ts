/**
 * AsyncQueue: an ordered queue with awaiting receivers — the mailbox of every transport (frames
 * from one peer) and of the in-process client link. Failing it rejects the pending and all
 * future takes (a session abort); takes are promises created on demand, so a failed queue never
 * produces an unhandled rejection.
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private ended: Error | null = null;

  get failed(): Error | null {
    return this.failure;
  }

  get size(): number {
    return this.items.length;
  }

  put(v: T): void {
    if (this.failure || this.ended) return;
    const w = this.waiters.shift();
    if (w) w.resolve(v);
    else this.items.push(v);
  }

  take(): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.items.length) return Promise.resolve(this.items.shift() as T);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Nothing more will come: queued items can still be taken, then takes reject with `e`. */
  end(e: Error): void {
    if (this.failure || this.ended) return;
    this.ended = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** Drop what is queued and reject every pending and future take with `e`. */
  fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.items.length = 0;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
}
