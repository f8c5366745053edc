/**
 * The sending half of a SecureLink (secure-link.ts): sealing, batching and backpressure.
 *
 * - Between parties, small messages sent in one synchronous stretch (e.g. a round's shares to a
 *   peer, written one after another) are held and sent as one sealed BATCH message
 *   (message-batch.ts) by a microtask queued with the first of them: it runs once the sender
 *   yields, before any continuation queued after it, so no message waits for unrelated
 *   computation. (Flushing at the end of the whole turn, process.nextTick, made 2.3× fewer
 *   messages than frames but held a round's first messages behind every branch that computed in
 *   the same turn: GPT-2 decode steps got slower; this flush made 1.3–1.5× fewer and faster
 *   steps, docs/compute.md.) A message too large to batch first flushes the pending batch, so the
 *   order never changes.
 * - Backpressure: messages wait in a queue and are sealed and handed to the socket only while
 *   ws's bufferedAmount (plus the shaper's queue) is below a high-water mark; `drained()` lets
 *   bulk senders wait. Sealing happens as a message goes to the socket, so a large tensor is
 *   encrypted while earlier parts are on the wire, always in queue (= counter) order.
 * - A link with a buffer cap (a party's link to a client) fails with MPC_ERR_LIMIT when the
 *   bytes queued for a peer that does not read pass it.
 */
import type { WebSocket } from 'ws';
import type { MpcError } from '../protocols/errors.js';
import { BATCH_HEAD, BATCH_ITEM_MAX, BATCH_MAX, encodeBatch, entryBytes, partsBytes } from './message-batch.js';
import type { LinkShaper } from './net-shaper.js';
import type { SealedCounter } from './sealed-counter.js';

export interface LinkStats {
  /** Sealed bytes handed to the socket / received (WebSocket framing not included). */
  wireBytesSent: number;
  wireBytesRecv: number;
  /** Tensor payload bytes. */
  payloadBytesSent: number;
  payloadBytesRecv: number;
  framesSent: number;
  framesRecv: number;
  /** Sealed WebSocket messages (a BATCH counts once). */
  messagesSent: number;
  messagesRecv: number;
}

export interface SenderOptions {
  /** Largest plaintext of one message (below the peer's maxPayload). */
  chunk: number;
  /** High-water mark of bytes in the socket and shaper before messages wait in the queue. */
  hwm: number;
  /** Bytes this link may hold for its peer (queue plus `held()`); MAX_SAFE_INTEGER: no cap. */
  maxBuffer: number;
  /** Batch small messages sent together (party links). */
  batching: boolean;
  /** Bytes the receiving side holds (a frame being reassembled): they count against maxBuffer. */
  held(): number;
  /** The link's error once closed, else null. */
  closed(): MpcError | null;
  /** Close the link because the peer does not read; returns the error to throw. */
  overLimit(): MpcError;
}

export class LinkSender {
  private readonly queue: Uint8Array[][] = [];
  private queuedBytes = 0;
  /** Small messages not yet queued (their flush microtask is pending), and the batch they make. */
  private batch: Uint8Array[][] = [];
  private batchBytes = BATCH_HEAD;
  private flushQueued = false;
  private readonly batchItemMax: number;
  private readonly batchMax: number;
  private drainWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly aead: SealedCounter,
    private readonly shaper: LinkShaper | null,
    private readonly stats: LinkStats,
    private readonly o: SenderOptions,
  ) {
    // a batch stays within one message the peer accepts, and a batched message is small
    this.batchMax = Math.min(BATCH_MAX, o.chunk);
    this.batchItemMax = Math.min(BATCH_ITEM_MAX, Math.floor(o.chunk / 4));
  }

  /** Bytes waiting in the queue (not yet sealed). */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /**
   * Send one message (plaintext parts; the caller may reuse its buffers once this returns).
   * Small messages on a batching link wait for the flush microtask; the others are sealed at
   * once when the socket has room and nothing waits, else copied into the queue.
   */
  push(parts: Uint8Array[], owned: boolean, batchable = this.o.batching): void {
    const closed = this.o.closed();
    if (closed) throw closed;
    const bytes = partsBytes(parts);
    if (batchable && bytes <= this.batchItemMax) {
      if (entryBytes(bytes) + this.batchBytes > this.batchMax) this.flush();
      this.batch.push(owned ? parts : [Buffer.concat(parts, bytes)]);
      this.batchBytes += entryBytes(bytes);
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(this.flushTick);
      }
      return;
    }
    this.flush(); // keep the order: the pending small messages go first
    this.enqueue(parts, owned, bytes);
  }

  private readonly flushTick = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /** The pending small messages as one message (a BATCH when there are several). */
  flush(): void {
    if (this.batch.length === 0) return;
    const msgs = this.batch;
    this.batch = [];
    this.batchBytes = BATCH_HEAD;
    if (this.o.closed()) return;
    try {
      const one = msgs.length === 1 ? msgs[0] : [encodeBatch(msgs)];
      this.enqueue(one, true, partsBytes(one));
    } catch {
      // enqueue closed the link before it threw; the session learns it from the close
    }
  }

  private hasRoom(): boolean {
    return this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount + (this.shaper?.queuedBytes ?? 0) < this.o.hwm;
  }

  private enqueue(parts: Uint8Array[], owned: boolean, bytes: number): void {
    if (this.queue.length === 0 && this.hasRoom()) {
      this.write(this.aead.seal(parts));
      return;
    }
    if (this.queuedBytes + this.o.held() + bytes > this.o.maxBuffer) throw this.o.overLimit();
    this.queuedBytes += bytes;
    this.queue.push(owned ? parts : parts.map((p) => Uint8Array.prototype.slice.call(p) as Uint8Array));
  }

  private write(b: Buffer): void {
    this.stats.wireBytesSent += b.length;
    this.stats.messagesSent++;
    const send = () =>
      this.ws.send(b, { binary: true }, (err) => {
        if (!err) this.pump();
      });
    if (this.shaper) this.shaper.send(b.length, send);
    else send();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.hasRoom()) {
      const parts = this.queue.shift() as Uint8Array[];
      this.queuedBytes -= partsBytes(parts);
      this.write(this.aead.seal(parts));
    }
    if (this.queue.length === 0 && this.drainWaiters.length > 0) for (const w of this.drainWaiters.splice(0)) w.resolve();
  }

  /** Resolves once every message sent so far has been handed to the socket. */
  drained(): Promise<void> {
    this.flush();
    const closed = this.o.closed();
    if (closed) return Promise.reject(closed);
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** The link closed: drop everything pending and fail the drain waiters. */
  stop(err: MpcError): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.batch = [];
    this.batchBytes = BATCH_HEAD;
    for (const w of this.drainWaiters.splice(0)) w.reject(err);
  }
}
