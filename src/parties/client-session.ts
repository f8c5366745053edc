/**
 * The client's side of one session: per-party mailboxes for output frames, the client's three
 * ends of the client link (`ends`, what the handler gets), and the three parties' outcomes.
 * Failures are collected; the root cause is the first error that is not a mere "aborted because
 * someone else failed".
 */
import type { PartyId } from '../protocols/channel.js';
import { PARTIES } from '../protocols/channel.js';
import type { ClientLink, ClientLinks } from '../protocols/client-link.js';
import { MpcError } from '../protocols/errors.js';
import type { MeterSnapshot } from '../protocols/meter.js';
import type { LoadStatus } from './load-progress.js';
import { Deferred, Mailbox } from './mailbox.js';
import type { SecureLink } from './secure-link.js';
import type { FrameHeader, PartySessionStats } from './wire.js';
import { WsClientLink } from './ws-client-link.js';

export interface PartyOutcome {
  result: unknown;
  meter: MeterSnapshot;
  stats: PartySessionStats;
}

export class ClientSessionState {
  readonly boxes: [Mailbox, Mailbox, Mailbox] = [new Mailbox(), new Mailbox(), new Mailbox()];
  private readonly done: [Deferred<PartyOutcome>, Deferred<PartyOutcome>, Deferred<PartyOutcome>] = [new Deferred(), new Deferred(), new Deferred()];
  private readonly inSeq = [0, 0, 0];
  private readonly outSeq = [0, 0, 0];
  private readonly errors: MpcError[] = [];
  private readonly values: (PartyOutcome | undefined)[] = [undefined, undefined, undefined];
  private readonly firstError = new Deferred<void>();
  failure: MpcError | null = null;
  /** The client's ends of the session's client link, index = party. */
  readonly ends: ClientLinks;
  /** RunOptions.onProgress of this session. */
  onProgress: ((from: PartyId, p: LoadStatus) => void) | null = null;

  constructor(
    readonly id: string,
    readonly links: [SecureLink, SecureLink, SecureLink],
  ) {
    this.ends = PARTIES.map(
      (j): ClientLink => new WsClientLink({ session: id, link: links[j], box: this.boxes[j], nextSeq: () => this.outSeq[j]++, failure: () => this.failure, label: { me: 'client', from: `P${j}`, party: j } }),
    ) as [ClientLink, ClientLink, ClientLink];
  }

  putFrame(j: PartyId, h: FrameHeader, body: Uint8Array): void {
    if (h.q !== this.inSeq[j]) {
      this.links[j].close('MPC_ERR_FRAME', `session ${this.id}: frame ${h.q} from P${j}, expected ${this.inSeq[j]}`);
      return;
    }
    this.inSeq[j]++;
    this.boxes[j].put({ tag: h.t, depth: h.d, dtype: h.y, length: h.n, bytes: body });
  }

  partyDone(j: PartyId, o: PartyOutcome): void {
    if (this.done[j].settled) return;
    this.values[j] = o;
    this.done[j].resolve(o);
    // a handler still waiting for output the program never sends must not hang
    if (this.values.every((v) => v !== undefined)) for (const b of this.boxes) b.end(new MpcError('MPC_ERR_PROTOCOL', `session ${this.id}: the parties finished; no more output will come`));
  }

  private record(err: MpcError): void {
    this.errors.push(err);
    if (!this.failure) {
      this.failure = err;
      for (const b of this.boxes) b.fail(err);
    }
    this.firstError.resolve();
  }

  partyFailed(j: PartyId, err: MpcError): void {
    if (this.done[j].settled) return;
    this.record(err);
    this.done[j].reject(err);
  }

  /** The handler threw: abort the session at the parties. */
  clientFailed(e: unknown): void {
    if (e instanceof MpcError && this.errors.includes(e)) return; // a consequence, not a cause
    const err = e instanceof MpcError ? e : new MpcError(e instanceof RangeError || e instanceof TypeError ? 'MPC_ERR_INPUT' : 'MPC_ERR_PROTOCOL', `client: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    this.record(err);
    for (const l of this.links) if (!l.closed) l.sendControl({ op: 'abort', s: this.id });
  }

  /** Resolves when all three parties reported, or `graceMs` after the first failure. */
  async settle(graceMs: number): Promise<void> {
    const all = Promise.allSettled(this.done.map((d) => d.promise));
    let t: NodeJS.Timeout | undefined;
    const grace = this.firstError.promise.then(() => new Promise<void>((r) => (t = setTimeout(r, graceMs))));
    await Promise.race([all, grace]);
    clearTimeout(t);
  }

  rootCause(): MpcError | null {
    if (this.errors.length === 0) return null;
    return this.errors.find((e) => e.code !== 'MPC_ERR_ABORTED') ?? this.errors[0];
  }

  outcomes(): [PartyOutcome, PartyOutcome, PartyOutcome] {
    return this.values.map((v, j) => {
      if (!v) throw new MpcError('MPC_ERR_PROTOCOL', `P${j} did not report`, { party: j });
      return v;
    }) as [PartyOutcome, PartyOutcome, PartyOutcome];
  }
}
