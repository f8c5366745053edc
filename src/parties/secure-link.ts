/**
 * SecureLink: one authenticated, encrypted WebSocket after its handshake.
 *
 * - Every WebSocket message is sealed with AES-256-GCM under the direction's key, with the
 *   message counter as nonce: [u64 LE counter][ciphertext][16-byte tag]. The receiver expects
 *   exactly the next counter, so a replayed, reordered, dropped or tampered message closes the
 *   link with MPC_ERR_AUTH and a logged reason.
 * - Tensors are split into messages below the peer's maxPayload (wire.ts) and reassembled
 *   (receiving: link-receiver.ts).
 * - Sending (link-sender.ts): between parties, small messages sent together go as one
 *   sealed BATCH message (message-batch.ts); backpressure queues messages while ws's
 *   bufferedAmount is above a high-water mark, and `drained()` lets bulk senders wait.
 * - Heartbeat: ws ping/pong; a peer silent (no pong, no data) past the timeout is closed with
 *   MPC_ERR_TIMEOUT. A tick that arrives late (our own event loop was busy computing) does
 *   not count against the peer.
 */
import type { WebSocket } from 'ws';
import { dtypeSize } from '../protocols/channel.js';
import { MpcError, type MpcErrorCode } from '../protocols/errors.js';
import { closeCodeOf, codeOfClose, closeReason } from './close-codes.js';
import { SealedCounter } from './sealed-counter.js';
import { peerName, type LinkKeys, type PeerIdentity } from './handshake.js';
import type { Logger } from './log.js';
import { LinkShaper, type NetShape } from './net-shaper.js';
import { encodeControl, encodeFramePrefix, MSG_CONT, type ControlMessage, type FrameHeader } from './wire.js';
import { FrameAssembler } from './frame-assembler.js';
import { LinkSender, type LinkStats } from './link-sender.js';
import { LinkReceiver, type LinkHandlers } from './link-receiver.js';

export type { LinkStats } from './link-sender.js';
export type { LinkHandlers } from './link-receiver.js';

export interface LinkLimits {
  heartbeatTimeoutMs: number;
  /** Largest message the peer accepts (we fragment below it) and we accept. */
  maxPayloadBytes: number;
  maxFrameBytes: number;
  /**
   * Bytes a party's link to a client may hold (protects the party's memory from a client that
   * stops reading): messages queued for it plus the frame being reassembled from it. Exceeding
   * it closes the link with MPC_ERR_LIMIT. Links between parties and a client's own links are
   * not capped here (their senders are semi-honest parties or the client itself).
   */
  maxLinkBufferBytes?: number;
  /** Shape party↔party links (net-shaper.ts); client links are never shaped. */
  net?: NetShape | null;
  /**
   * Send small messages in batches (message-batch.ts). connect.ts sets it on links whose both
   * ends are parties; a party refuses batches from a client.
   */
  batch?: boolean;
}

/** An authenticated, encrypted link to one peer (party or client); see the file comment. */
export class SecureLink {
  readonly stats: LinkStats = { wireBytesSent: 0, wireBytesRecv: 0, payloadBytesSent: 0, payloadBytesRecv: 0, framesSent: 0, framesRecv: 0, messagesSent: 0, messagesRecv: 0 };
  /** Short public id of this link instance (from the handshake transcript) for logs. */
  readonly linkId: string;
  readonly linkSecret: Uint8Array;
  /** Resolves when the responder's first sealed message ('ready') arrived (initiator side). */
  readonly ready: Promise<void>;
  private readonly aead: SealedCounter;
  private readonly sender: LinkSender;
  private readonly receiver: LinkReceiver;
  private readonly maxBuffer: number;
  private readonly assembler: FrameAssembler;
  private readonly chunk: number;
  private readonly shaper: LinkShaper | null;
  private closedWith: MpcError | null = null;
  private wsError: MpcError | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly tickMs: number;
  private lastSeen = Date.now();
  private lastTick = Date.now();
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;

  constructor(
    private readonly ws: WebSocket,
    keys: LinkKeys,
    readonly peer: PeerIdentity,
    readonly initiator: boolean,
    private readonly limits: LinkLimits,
    readonly log: Logger,
    early: Buffer[] = [],
  ) {
    this.aead = new SealedCounter(keys.sendKey, keys.recvKey);
    this.linkSecret = keys.linkSecret;
    this.linkId = Buffer.from(keys.transcript.subarray(0, 4)).toString('hex');
    this.chunk = Math.max(1024, limits.maxPayloadBytes - 8192);
    this.assembler = new FrameAssembler(limits.maxFrameBytes);
    this.maxBuffer = !initiator && peer.role === 'client' ? (limits.maxLinkBufferBytes ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
    this.shaper = limits.net && peer.role === 'party' ? new LinkShaper(limits.net) : null;
    this.sender = new LinkSender(ws, this.aead, this.shaper, this.stats, {
      chunk: this.chunk,
      hwm: 2 * limits.maxPayloadBytes,
      maxBuffer: this.maxBuffer,
      // links with a client keep one message per ws message: a party's buffer cap for a client
      // (maxLinkBufferBytes) is checked as each message is queued, which a deferred batch would
      // move out of the caller, and a party takes no batches from a client (dispatch)
      batching: limits.batch === true && peer.role === 'party' && process.env.TRIFORM_BATCH !== '0',
      held: () => this.assembler.filled,
      closed: () => this.closedWith,
      overLimit: () => {
        const err = new MpcError('MPC_ERR_LIMIT', `${peerName(this.peer)} does not read: more than ${this.maxBuffer} bytes queued for it (limits.maxLinkBufferBytes)`, this.partyOpt());
        this.close(err.code, err.message);
        return err;
      },
    });
    this.ready = new Promise<void>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => undefined);
    this.receiver = new LinkReceiver({
      peer,
      stats: this.stats,
      assembler: this.assembler,
      ready: !initiator,
      onReady: () => this.readyResolve(),
      room: () => this.maxBuffer - this.sender.pendingBytes,
      overRoom: (h, total) => `frame '${h.t}' of ${total} bytes would exceed limits.maxLinkBufferBytes (${this.maxBuffer}) with ${this.sender.pendingBytes} bytes queued`,
      closed: () => this.closedWith,
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.lastSeen = Date.now()));
    ws.on('ping', () => (this.lastSeen = Date.now()));
    ws.on('error', (e: Error & { code?: string }) => {
      const oversize = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      this.wsError ??= new MpcError(oversize ? 'MPC_ERR_FRAME' : 'MPC_ERR_PEER_CLOSED', `${peerName(peer)}: ${oversize ? 'oversize message' : e.message}`, this.partyOpt());
    });
    ws.on('close', (code: number, reason: Buffer) => this.onWsClose(code, reason.toString()));
    this.tickMs = Math.max(10, Math.floor(limits.heartbeatTimeoutMs / 10));
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
    if (!initiator) {
      this.readyResolve();
      this.sender.push([encodeControl({ op: 'ready' })], true, false); // alone: the initiator expects it first
    }
    for (const m of early) this.onMessage(m, true);
  }

  /**
   * Install the message handlers. Messages that arrived since the handshake are delivered now,
   * in order (ws may deliver several messages in one tick, before the owner got the link).
   */
  attach(h: LinkHandlers): void {
    if (this.receiver.attached) throw new Error('SecureLink.attach called twice');
    try {
      this.receiver.attach(h);
    } catch (e) {
      const err = e instanceof MpcError ? e : new MpcError('MPC_ERR_PROTOCOL', `link handler failed: ${(e as Error).message}`, { cause: e });
      this.close(err.code, err.message);
    }
    if (this.closedWith) h.onClose(this.closedWith);
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  get closeError(): MpcError | null {
    return this.closedWith;
  }

  private partyOpt(): { party?: number } {
    return this.peer.role === 'party' ? { party: this.peer.id } : {};
  }

  // ---- sending (link-sender.ts) ------------------------------------------------------------

  /** Resolves once every message sent so far has been handed to the socket. */
  drained(): Promise<void> {
    return this.sender.drained(); // rejects with the close error once the link is closed
  }

  /** Send one tensor frame (fragmented if needed). The bytes are sealed (copied) before return. */
  sendFrame(h: FrameHeader, body: Uint8Array): void {
    if (this.closedWith) throw this.closedWith;
    if (body.byteLength !== h.n * dtypeSize(h.y)) throw new MpcError('MPC_ERR_SHAPE', `frame '${h.t}': ${body.byteLength} bytes for ${h.n}×${h.y}`, { tag: h.t });
    if (body.byteLength > this.limits.maxFrameBytes) throw new MpcError('MPC_ERR_FRAME', `frame '${h.t}' of ${body.byteLength} bytes exceeds maxFrameBytes`, { tag: h.t });
    const prefix = encodeFramePrefix(h);
    const first = Math.min(body.byteLength, this.chunk);
    this.sender.push([prefix, body.subarray(0, first)], false);
    const cont = Buffer.from([MSG_CONT]);
    for (let o = first; o < body.byteLength; o += this.chunk) this.sender.push([cont, body.subarray(o, Math.min(body.byteLength, o + this.chunk))], false);
    this.stats.payloadBytesSent += body.byteLength;
    this.stats.framesSent++;
  }

  sendControl(m: ControlMessage): void {
    const b = encodeControl(m);
    if (b.length > this.chunk) throw new MpcError('MPC_ERR_FRAME', `control message '${m.op}' of ${b.length} bytes exceeds one message (send large results as frames on the client link)`);
    this.sender.push([b], true);
  }

  /** Tests only: seal arbitrary plaintext / send raw bytes (tamper, replay and reorder tests). */
  _sealForTest(plain: Uint8Array): Buffer {
    return this.aead.seal([plain]);
  }

  _sendRawForTest(b: Buffer): void {
    this.ws.send(b, { binary: true });
  }

  // ---- receiving --------------------------------------------------------------------------

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closedWith) return;
    this.lastSeen = Date.now();
    this.stats.wireBytesRecv += data.length;
    this.stats.messagesRecv++;
    try {
      if (!isBinary) throw new MpcError('MPC_ERR_FRAME', 'text message on a binary link');
      this.receiver.take(this.aead.open(data));
    } catch (e) {
      const err = e instanceof MpcError ? e : new MpcError('MPC_ERR_PROTOCOL', `link handler failed: ${(e as Error).message}`, { cause: e });
      this.close(err.code, err.message);
    }
  }

  // ---- liveness and closing ---------------------------------------------------------------

  /**
   * Every tick (timeout/10): ping, and close the link if nothing (data, ping or pong) came for
   * timeout − 2 ticks, so that a peer silent since time s is detected by s + 0.9·timeout.
   */
  private tick(): void {
    const t = Date.now();
    const hb = this.limits.heartbeatTimeoutMs;
    if (t - this.lastTick > 3 * this.tickMs) this.lastSeen = t; // we were blocked: give the peer a fresh window
    this.lastTick = t;
    if (t - this.lastSeen > hb - 2 * this.tickMs) {
      const limit = hb - 2 * this.tickMs;
      this.close('MPC_ERR_TIMEOUT', `${peerName(this.peer)} silent for ${t - this.lastSeen} ms (a link closes after ${limit} ms without data, ping or pong: heartbeatTimeoutMs ${hb} less two ${this.tickMs} ms checks)`);
      return;
    }
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  /** Close the link with a reason code (logged); every waiter fails with that MpcError. */
  close(code: MpcErrorCode, reason: string): void {
    if (this.closedWith) return;
    const err = new MpcError(code, reason, this.partyOpt());
    const level = code === 'MPC_ERR_PEER_CLOSED' ? 'info' : 'warn';
    this.log[level]({ code, reason, link: this.linkId }, `closing link to ${peerName(this.peer)}`);
    try {
      this.ws.close(closeCodeOf(code), closeReason(`${code}: ${reason}`));
    } catch {
      this.ws.terminate();
    }
    setTimeout(() => this.ws.terminate(), 1000).unref();
    this.finish(err);
  }

  /** A normal end (the client is done): WebSocket code 1000, logged as a normal close, not an error. */
  end(reason: string): void {
    if (this.closedWith) return;
    this.log.debug({ link: this.linkId, reason }, `closing link to ${peerName(this.peer)} (done)`);
    try {
      this.ws.close(1000, closeReason(reason));
    } catch {
      this.ws.terminate();
    }
    setTimeout(() => this.ws.terminate(), 1000).unref();
    this.finish(new MpcError('MPC_ERR_PEER_CLOSED', `link closed (${reason})`, this.partyOpt()));
  }

  private onWsClose(code: number, reason: string): void {
    if (this.closedWith) return;
    if (code === 1000) {
      this.log.info({ link: this.linkId, reason }, `${peerName(this.peer)} closed the link normally${reason ? ` (${reason})` : ''}`);
      this.finish(new MpcError('MPC_ERR_PEER_CLOSED', `${peerName(this.peer)} closed the link${reason ? ` (${reason})` : ''}`, this.partyOpt()));
      return;
    }
    const remote = codeOfClose(code);
    const detail = remote ? `closed by ${peerName(this.peer)}: ${reason}` : (this.wsError?.message ?? `${peerName(this.peer)} closed the link (ws code ${code})`);
    const err = this.wsError ?? new MpcError('MPC_ERR_PEER_CLOSED', detail, this.partyOpt());
    // the peer's reason code says what it held against us (MPC_ERR_AUTH, MPC_ERR_SHAPE, ...);
    // "it timed us out" or "it went away" are a closed peer from here
    const mapped = remote && remote !== 'MPC_ERR_TIMEOUT' ? remote : err.code === 'MPC_ERR_FRAME' ? 'MPC_ERR_FRAME' : 'MPC_ERR_PEER_CLOSED';
    const final = mapped === err.code && !remote ? err : new MpcError(mapped, detail, this.partyOpt());
    const level = final.code === 'MPC_ERR_PEER_CLOSED' ? 'info' : 'warn';
    this.log[level]({ code: final.code, reason: final.message, wsCode: code, link: this.linkId }, `link to ${peerName(this.peer)} closed`);
    this.finish(final);
  }

  private finish(err: MpcError): void {
    this.closedWith = err;
    clearInterval(this.timer);
    this.shaper?.stop();
    this.sender.stop(err);
    this.assembler.reset();
    this.readyReject(err);
    this.receiver.closed(err);
  }
}
