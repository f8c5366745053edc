/**
 * The receiving half of a SecureLink (secure-link.ts): what happens to a message once its seal
 * is opened.
 *
 * - The first message on an initiator's link must be the responder's `ready` control message.
 * - A BATCH (message-batch.ts) is split and each entry handled in order; only parties batch, so
 *   a batch from a client is refused like any malformed message.
 * - FRAME and CONT messages go through the FrameAssembler, which caps what a frame may hold
 *   (`room`): a party's link to a client counts the bytes queued for it too.
 * - Frames and control messages that arrive before the owner attached its handlers (ws may
 *   deliver several messages in one tick, before the owner got the link) wait in order and are
 *   delivered by `attach`.
 * Anything malformed throws an MpcError; the link closes with it (SecureLink.onMessage).
 */
import { MpcError } from '../protocols/errors.js';
import type { FrameAssembler } from './frame-assembler.js';
import type { PeerIdentity } from './handshake.js';
import type { LinkStats } from './link-sender.js';
import { MSG_BATCH, splitBatch } from './message-batch.js';
import { decodeControl, MSG_CONT, MSG_CONTROL, MSG_FRAME, type ControlMessage, type FrameHeader } from './wire.js';

export interface LinkHandlers {
  onFrame(h: FrameHeader, body: Uint8Array): void;
  onControl(m: ControlMessage): void;
  onClose(err: MpcError): void;
}

export interface ReceiverOptions {
  readonly peer: PeerIdentity;
  readonly stats: LinkStats;
  readonly assembler: FrameAssembler;
  /** True once the link may carry frames (a responder is ready at once; an initiator after `ready`). */
  readonly ready: boolean;
  /** The responder's `ready` arrived (initiator side). */
  onReady(): void;
  /** Bytes a frame being reassembled may still take, and the error message when one would not fit. */
  room(): number;
  overRoom(h: FrameHeader, total: number): string;
  /** The link's error once closed, else null. */
  closed(): MpcError | null;
}

type Early = { kind: 'frame'; h: FrameHeader; body: Uint8Array } | { kind: 'control'; m: ControlMessage };

export class LinkReceiver {
  private handlers: LinkHandlers | null = null;
  private early: Early[] = [];
  private isReady: boolean;

  constructor(private readonly o: ReceiverOptions) {
    this.isReady = o.ready;
  }

  /** One opened message (plaintext); throws MpcError on anything malformed. */
  take(plain: Buffer): void {
    if (!this.isReady) {
      const m = plain[0] === MSG_CONTROL ? decodeControl(plain.subarray(1)) : null;
      if (!m || m.op !== 'ready') throw new MpcError('MPC_ERR_PROTOCOL', 'first message is not ready');
      this.isReady = true;
      this.o.onReady();
      return;
    }
    this.dispatch(plain);
  }

  get attached(): boolean {
    return this.handlers !== null;
  }

  /**
   * Install the handlers (once: SecureLink checks) and deliver the messages that arrived before,
   * in order. Throws what a handler throws (the link closes with it); stops once the link is closed.
   */
  attach(h: LinkHandlers): void {
    this.handlers = h;
    for (const e of this.early.splice(0)) {
      if (this.o.closed()) break;
      if (e.kind === 'frame') h.onFrame(e.h, e.body);
      else h.onControl(e.m);
    }
  }

  /** The link closed: tell the handlers, if attached (a later `attach` tells them itself). */
  closed(err: MpcError): void {
    this.early.length = 0;
    this.handlers?.onClose(err);
  }

  private dispatch(plain: Buffer): void {
    const kind = plain[0];
    if (kind === MSG_BATCH) {
      // a client's batch could pack a flood of entries that would be handled in one go
      if (this.o.peer.role !== 'party') throw new MpcError('MPC_ERR_FRAME', 'batch message from a client');
      for (const m of splitBatch(plain)) this.dispatch(m); // splitBatch refuses nested batches
      return;
    }
    if (kind === MSG_CONTROL) {
      if (this.o.assembler.busy) throw new MpcError('MPC_ERR_FRAME', 'control message inside a fragmented frame');
      const m = decodeControl(plain.subarray(1));
      if (this.handlers) this.handlers.onControl(m);
      else this.early.push({ kind: 'control', m });
      return;
    }
    if (kind === MSG_FRAME || kind === MSG_CONT) {
      const f = kind === MSG_FRAME ? this.o.assembler.start(plain, this.o.room(), (h, total) => this.o.overRoom(h, total)) : this.o.assembler.cont(plain);
      if (f) this.deliver(f.h, f.body);
      return;
    }
    throw new MpcError('MPC_ERR_FRAME', `unknown message kind ${kind}`);
  }

  private deliver(h: FrameHeader, body: Uint8Array): void {
    this.o.stats.payloadBytesRecv += body.byteLength;
    this.o.stats.framesRecv++;
    if (this.handlers) this.handlers.onFrame(h, body);
    else this.early.push({ kind: 'frame', h, body });
  }
}
