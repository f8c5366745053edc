/**
 * The client's side of one session: per-party mailboxes for output frames, the three parties'
 * outcomes, and the handler API (ClientSession) for sending input shares and receiving output
 * shares. Failures are collected; the root cause is the first error that is not a mere
 * "aborted because someone else failed".
 */
import type { DType, Frame, PartyId } from '../protocols/channel.js';
import { PARTIES } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import { splitShares } from '../protocols/io.js';
import type { MeterSnapshot } from '../protocols/meter.js';
import { getBit } from '../protocols/share.js';
import { Prg } from '../ring/prg.js';
import type { Shape } from '../ring/tensor.js';
import { sizeOf } from '../ring/tensor.js';
import type { PartySessionStats } from './client.js';
import type { LoadStatus } from './load-progress.js';
import { Deferred, Mailbox } from './mailbox.js';
import type { SecureLink } from './secure-link.js';
import type { FrameHeader } from './wire.js';

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
  /** RunOptions.onProgress of this session. */
  onProgress: ((from: PartyId, p: LoadStatus) => void) | null = null;

  constructor(
    readonly id: string,
    readonly links: [SecureLink, SecureLink, SecureLink],
  ) {}

  putFrame(j: PartyId, h: FrameHeader, body: Uint8Array): void {
    if (h.q !== this.inSeq[j]) {
      this.links[j].close('MPC_ERR_FRAME', `session ${this.id}: frame ${h.q} from P${j}, expected ${this.inSeq[j]}`);
      return;
    }
    this.inSeq[j]++;
    this.boxes[j].put({ tag: h.t, depth: h.d, dtype: h.y, length: h.n, bytes: body });
  }

  nextOutSeq(j: PartyId): number {
    return this.outSeq[j]++;
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

/** What a client handler uses during a session. */
export class ClientSession {
  constructor(private readonly st: ClientSessionState) {}

  get id(): string {
    return this.st.id;
  }

  private send(j: PartyId, tag: string, dtype: DType, n: number, bytes: Uint8Array, shape?: Shape): void {
    if (this.st.failure) throw this.st.failure;
    const h: FrameHeader = { s: this.st.id, q: this.st.nextOutSeq(j), t: tag, d: 0, y: dtype, n };
    if (shape) h.sh = [...shape];
    this.st.links[j].sendFrame(h, bytes);
  }

  sendU64(j: PartyId, tag: string, data: BigUint64Array, shape?: Shape): void {
    this.send(j, tag, 'u64', data.length, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), shape);
  }

  sendBytes(j: PartyId, tag: string, data: Uint8Array): void {
    this.send(j, tag, 'u8', data.length, data);
  }

  /** Secret-share x (ring elements) to the three parties: party j receives (x_j, x_{j+1}). */
  sendShares(tag: string, x: BigUint64Array, shape: Shape, prg: Prg = Prg.random()): void {
    const n = sizeOf(shape);
    if (x.length !== n) throw new RangeError(`sendShares '${tag}': ${x.length} values for shape [${shape.join(',')}]`);
    const shares = splitShares(x, prg);
    for (const j of PARTIES) {
      const both = new BigUint64Array(2 * n);
      both.set(shares[j][0], 0);
      both.set(shares[j][1], n);
      this.sendU64(j, tag, both);
    }
  }

  private async recv(j: PartyId, tag: string, dtype: DType, n: number): Promise<Frame> {
    const f = await this.st.boxes[j].take();
    if (f.tag !== tag) throw new MpcError('MPC_ERR_TAG_MISMATCH', `client expected '${tag}' from P${j}, got '${f.tag}'`, { party: j, tag });
    if (f.dtype !== dtype || f.length !== n) throw new MpcError('MPC_ERR_SHAPE', `client expected ${n}×${dtype} for '${tag}' from P${j}, got ${f.length}×${f.dtype}`, { party: j, tag });
    return f;
  }

  async recvU64(j: PartyId, tag: string, n: number): Promise<BigUint64Array> {
    const f = await this.recv(j, tag, 'u64', n);
    if (f.bytes.byteOffset % 8 === 0) return new BigUint64Array(f.bytes.buffer, f.bytes.byteOffset, n);
    return new BigUint64Array(Uint8Array.from(f.bytes).buffer);
  }

  async recvBytes(j: PartyId, tag: string, n: number): Promise<Uint8Array> {
    return (await this.recv(j, tag, 'u8', n)).bytes;
  }

  /** Reveal an arithmetic output: the sum of the parties' first share components. */
  async reconstruct(tag: string, n: number): Promise<BigUint64Array> {
    const parts = await Promise.all(PARTIES.map((j) => this.recvU64(j, tag, n)));
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = parts[0][i] + parts[1][i] + parts[2][i];
    return out;
  }

  /** Reveal a packed bit output of `nbits` bits (XOR of the three components), one byte per bit. */
  async reconstructBits(tag: string, nbits: number): Promise<Uint8Array> {
    const W = Math.ceil(nbits / 64);
    const parts = await Promise.all(PARTIES.map((j) => this.recvU64(j, tag, W)));
    const w = new BigUint64Array(W);
    for (let i = 0; i < W; i++) w[i] = parts[0][i] ^ parts[1][i] ^ parts[2][i];
    const out = new Uint8Array(nbits);
    for (let e = 0; e < nbits; e++) out[e] = getBit(w, e);
    return out;
  }

  /** Wait until everything sent so far has left the process (bulk uploads). */
  async flush(): Promise<void> {
    if (this.st.failure) throw this.st.failure;
    await Promise.all(this.st.links.map((l) => l.drained()));
  }
}
