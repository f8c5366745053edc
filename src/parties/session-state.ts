/**
 * The state of one session at one party: the client's open request, the mailboxes of frames
 * from the two peers and from the client, the join handshake, and the links it is bound to.
 * `fail` aborts everything at once (pending receives reject with the session's MpcError).
 */
import type { Channel, Frame, PartyId } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import { ByteBudget, Deferred, Mailbox } from './mailbox.js';
import type { SecureLink } from './secure-link.js';
import type { FrameHeader } from './wire.js';

export interface OpenRequest {
  program: string;
  params: unknown;
  /** SHA-256 (hex) of the msgpack-encoded params as the client sent them. */
  paramsHash: string;
  fracBits: number;
  client: SecureLink;
  clientName: string;
  /** The client asked for `progress` control messages (load-progress.ts). */
  progress: boolean;
}

export interface JoinInfo {
  nonce: Uint8Array;
  link: SecureLink;
}

export class PartySession {
  open: OpenRequest | null = null;
  readonly openArrived = new Deferred<void>();
  /** P1/P2: the start order from P0 (program name and params hash). */
  start: { program: string; paramsHash: string } | null = null;
  status: 'pending' | 'queued' | 'running' = 'pending';
  failure: MpcError | null = null;
  readonly created = Date.now();
  /** Links the session runs on, fixed when it starts. */
  readonly bound = new Map<PartyId, SecureLink>();
  /** Bytes received for this session and not consumed yet (limits.maxSessionBufferBytes). */
  readonly budget: ByteBudget;
  readonly clientBox: Mailbox;
  clientInSeq = 0;
  /** P0: the peers that reported holding the client's open ('have'); the session is queued once both did. */
  readonly haveOf = new Map<PartyId, { program: string; ph: string }>();
  /** P1/P2: the link to P0 on which P0 confirmed it queued this session ('queued'); no expiry while it lives. */
  queuedOn: SecureLink | null = null;
  /** Drops the session if it has not started by limits.pendingSessionTimeoutMs (see SessionTable). */
  expiry: NodeJS.Timeout | null = null;
  clientOutSeq = 0;
  /** One mailbox per (peer, stream): key `${peer}#${stream}`. */
  private readonly inbox = new Map<string, Mailbox>();
  /** The link instance that delivered this peer's frames (must be the bound one). */
  private readonly inboxLink = new Map<PartyId, SecureLink>();
  private readonly inSeq = new Map<PartyId, number>();
  private readonly outSeq = new Map<PartyId, number>();
  private readonly joins = new Map<PartyId, Deferred<JoinInfo>>();

  constructor(
    readonly id: string,
    maxBufferBytes = Number.MAX_SAFE_INTEGER,
  ) {
    this.budget = new ByteBudget(maxBufferBytes, (used) => this.fail(new MpcError('MPC_ERR_LIMIT', `session ${id}: ${used} bytes received and not consumed yet exceed limits.maxSessionBufferBytes (${maxBufferBytes})`)));
    this.clientBox = new Mailbox(this.budget);
  }

  mailbox(from: PartyId, stream = ''): Mailbox {
    const key = `${from}#${stream}`;
    let m = this.inbox.get(key);
    if (!m) {
      m = new Mailbox(this.budget);
      if (this.failure) m.fail(this.failure);
      this.inbox.set(key, m);
    }
    return m;
  }

  join(from: PartyId): Deferred<JoinInfo> {
    let d = this.joins.get(from);
    if (!d) {
      d = new Deferred<JoinInfo>();
      if (this.failure) d.reject(this.failure);
      this.joins.set(from, d);
    }
    return d;
  }

  /** A protocol frame from peer `from` arrived on `link`. Throws MPC_ERR_FRAME on a sequence gap. */
  putPeerFrame(from: PartyId, link: SecureLink, h: FrameHeader, bytes: Uint8Array): void {
    const expect = this.inSeq.get(from) ?? 0;
    if (h.q !== expect) throw new MpcError('MPC_ERR_FRAME', `session ${this.id}: frame ${h.q} from P${from}, expected ${expect}`, { party: from, tag: h.t });
    this.inSeq.set(from, expect + 1);
    const seen = this.inboxLink.get(from);
    if (seen && seen !== link) {
      this.fail(new MpcError('MPC_ERR_PEER_CLOSED', `session ${this.id}: the link to P${from} was replaced mid-session`, { party: from }));
      return;
    }
    this.inboxLink.set(from, link);
    const bound = this.bound.get(from);
    if (bound && bound !== link) return; // frames on a stale link are dropped; the bound link's close aborts
    this.mailbox(from, h.st ?? '').put({ tag: h.t, depth: h.d, dtype: h.y, length: h.n, bytes, stream: h.st ?? '' });
  }

  /** A join or frames from `from` arrived on another link instance than `link`. */
  linkMismatch(from: PartyId, link: SecureLink): boolean {
    const seen = this.inboxLink.get(from);
    return seen !== undefined && seen !== link;
  }

  /** Remember the link a peer's join arrived on (it must stay the same for the whole session). */
  noteLink(from: PartyId, link: SecureLink): void {
    if (this.linkMismatch(from, link)) {
      this.fail(new MpcError('MPC_ERR_PEER_CLOSED', `session ${this.id}: the link to P${from} was replaced mid-session`, { party: from }));
      return;
    }
    this.inboxLink.set(from, link);
  }

  /** Whether this session depends on `link` (bound to it, or already received from it). */
  usesLink(from: PartyId, link: SecureLink): boolean {
    return this.bound.get(from) === link || this.inboxLink.get(from) === link;
  }

  nextOutSeq(to: PartyId): number {
    const q = this.outSeq.get(to) ?? 0;
    this.outSeq.set(to, q + 1);
    return q;
  }

  /** Abort: every pending and future receive of this session rejects with `err` (first error wins). */
  fail(err: MpcError): void {
    if (this.failure) return;
    this.failure = err;
    for (const m of this.inbox.values()) m.fail(err);
    for (const d of this.joins.values()) d.reject(err);
    this.clientBox.fail(err);
    this.openArrived.reject(err);
  }
}

/** The protocol Channel of one party in one session, over the bound links. */
export class SessionChannel implements Channel {
  constructor(
    readonly self: PartyId,
    private readonly s: PartySession,
  ) {}

  send(to: PartyId, frame: Frame): void {
    if (this.s.failure) throw this.s.failure;
    const link = this.s.bound.get(to);
    if (!link) throw new MpcError('MPC_ERR_PROTOCOL', `party ${this.self} sent a frame to party ${to}, which is not a peer of this session`, { party: to, tag: frame.tag });
    const h: FrameHeader = { s: this.s.id, q: this.s.nextOutSeq(to), t: frame.tag, d: frame.depth, y: frame.dtype, n: frame.length };
    if (frame.stream) h.st = frame.stream;
    link.sendFrame(h, frame.bytes);
  }

  recv(from: PartyId, stream = ''): Promise<Frame> {
    return this.s.mailbox(from, stream).take();
  }

  abort(error: Error): void {
    this.s.fail(error instanceof MpcError ? error : new MpcError('MPC_ERR_ABORTED', error.message, { cause: error }));
  }
}
