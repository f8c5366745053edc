/**
 * In-memory Channel: three parties in one process (used by most tests and `--in-process` runs).
 * Frames are copied on send so a sender may reuse its buffers.
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
    this.hub.box(this.self, to).put({ ...frame, bytes: frame.bytes.slice() });
  }

  recv(from: PartyId): Promise<Frame> {
    return this.hub.box(from, this.self).take();
  }

  abort(error: Error): void {
    this.hub.abort(error);
  }
}

export class MemoryHub {
  private readonly boxes = new Map<string, AsyncQueue<Frame>>();
  readonly channels: [Channel, Channel, Channel];

  constructor() {
    this.channels = [new MemoryChannel(0, this), new MemoryChannel(1, this), new MemoryChannel(2, this)];
  }

  box(from: PartyId, to: PartyId): AsyncQueue<Frame> {
    const key = `${from}>${to}`;
    let b = this.boxes.get(key);
    if (!b) {
      b = new AsyncQueue<Frame>();
      this.boxes.set(key, b);
    }
    return b;
  }

  /** Fail every pending and future receive (one party crashed: the others must not hang). */
  abort(error: Error): void {
    for (const from of [0, 1, 2] as PartyId[]) for (const to of [0, 1, 2] as PartyId[]) if (from !== to) this.box(from, to).fail(error);
  }
}
