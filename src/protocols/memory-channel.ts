/**
 * In-memory Channel: three parties in one process (used by most tests and `--in-process` runs).
 * Frames are copied on send so a sender may reuse its buffers. One queue per (sender, receiver,
 * stream). With `shuffle`, every frame is delivered after a random number of event-loop turns,
 * still in order within its stream but in any order across streams (tests of forked contexts).
 */
import type { Channel, Frame, PartyId } from './channel.js';
import { MpcError } from './errors.js';
import { AsyncQueue } from './async-queue.js';

class MemoryChannel implements Channel {
  constructor(
    readonly self: PartyId,
    private readonly hub: MemoryHub,
  ) {}

  send(to: PartyId, frame: Frame): void {
    if (to === this.self) throw new MpcError('MPC_ERR_PROTOCOL', `party ${this.self} sent a frame to itself`, { party: this.self, tag: frame.tag });
    this.hub.deliver(this.self, to, { ...frame, bytes: frame.bytes.slice() });
  }

  recv(from: PartyId, stream = ''): Promise<Frame> {
    return this.hub.box(from, this.self, stream).take();
  }

  abort(error: Error): void {
    this.hub.abort(error);
  }
}

export interface MemoryHubOptions {
  /** Random delivery delays (0–3 event-loop turns per frame) from this seed: reorders streams. */
  shuffle?: number;
}

export class MemoryHub {
  private readonly boxes = new Map<string, AsyncQueue<Frame>>();
  /** Per (from, to, stream): the delivery chain that keeps a stream in order under shuffling. */
  private readonly chains = new Map<string, Promise<void>>();
  private failure: Error | null = null;
  private rng: number;
  readonly channels: [Channel, Channel, Channel];

  constructor(private readonly opts: MemoryHubOptions = {}) {
    this.rng = (opts.shuffle ?? 0) >>> 0 || 1;
    this.channels = [new MemoryChannel(0, this), new MemoryChannel(1, this), new MemoryChannel(2, this)];
  }

  box(from: PartyId, to: PartyId, stream = ''): AsyncQueue<Frame> {
    const key = `${from}>${to}#${stream}`;
    let b = this.boxes.get(key);
    if (!b) {
      b = new AsyncQueue<Frame>();
      if (this.failure) b.fail(this.failure);
      this.boxes.set(key, b);
    }
    return b;
  }

  deliver(from: PartyId, to: PartyId, frame: Frame): void {
    const stream = frame.stream ?? '';
    const box = this.box(from, to, stream);
    if (this.opts.shuffle === undefined) {
      box.put(frame);
      return;
    }
    const key = `${from}>${to}#${stream}`;
    const turns = this.nextRandom() % 4;
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      for (let t = 0; t < turns; t++) await new Promise<void>((r) => setImmediate(r));
      box.put(frame);
    });
    this.chains.set(key, next);
  }

  private nextRandom(): number {
    // xorshift32: reproducible delivery order for a given seed
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  /** Fail every pending and future receive (one party crashed: the others must not hang). */
  abort(error: Error): void {
    this.failure ??= error;
    for (const b of this.boxes.values()) b.fail(error);
  }
}
