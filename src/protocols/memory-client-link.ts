/**
 * In-memory ClientLink: the client and the three parties in one process (tests, `--in-process`
 * runs). Frames are copied on send, as in memory-channel.ts, so a sender may reuse its buffers.
 */
import type { Shape } from '../ring/tensor.js';
import { AsyncQueue } from './async-queue.js';
import type { DType, Frame } from './channel.js';
import { PARTIES } from './channel.js';
import { clientFrame, frameMismatch, type ClientLink, type ClientLinks, type IoStats, type LinkLabel } from './client-link.js';

class MemoryClientLink implements ClientLink {
  readonly stats: IoStats = { bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0 };

  constructor(
    private readonly inbox: AsyncQueue<Frame>,
    private readonly outbox: AsyncQueue<Frame>,
    private readonly label: LinkLabel,
  ) {}

  send(tag: string, dtype: DType, bytes: Uint8Array, _shape?: Shape): void {
    this.outbox.put(clientFrame(tag, dtype, bytes.slice()));
    this.stats.bytesOut += bytes.byteLength;
    this.stats.framesOut++;
  }

  async recv(tag: string, dtype: DType, n: number): Promise<Uint8Array> {
    const f = await this.inbox.take();
    const err = frameMismatch(f, tag, dtype, n, this.label);
    if (err) throw err;
    this.stats.bytesIn += f.bytes.byteLength;
    this.stats.framesIn++;
    return f.bytes;
  }

  async flush(): Promise<void> {}
}

export interface MemoryClientLinks {
  /** Party i's end of its link to the client. */
  readonly parties: ClientLinks;
  /** The client's ends, one per party. */
  readonly client: ClientLinks;
  /** One side failed: reject every pending and future receive, so nobody waits forever. */
  abort(e: Error): void;
}

export function memoryClientLinks(): MemoryClientLinks {
  const toParty = PARTIES.map(() => new AsyncQueue<Frame>());
  const toClient = PARTIES.map(() => new AsyncQueue<Frame>());
  return {
    parties: PARTIES.map((j): ClientLink => new MemoryClientLink(toParty[j], toClient[j], { me: `party ${j}`, from: 'the client' })) as [ClientLink, ClientLink, ClientLink],
    client: PARTIES.map((j): ClientLink => new MemoryClientLink(toClient[j], toParty[j], { me: 'client', from: `P${j}`, party: j })) as [ClientLink, ClientLink, ClientLink],
    abort(e) {
      for (const q of [...toParty, ...toClient]) q.fail(e);
    },
  };
}
