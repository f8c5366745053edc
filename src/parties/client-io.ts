/**
 * The party's side of a session's client connection (the ClientIO given to programs). Client
 * frames are checked against what the program expects; a tag, dtype or length mismatch aborts
 * the session and closes the client's link with that code (the client sent garbage).
 */
import type { PartyId } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import type { AShare, BitShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { Shape } from '../ring/tensor.js';
import { sizeOf } from '../ring/tensor.js';
import { progressMessage, ProgressThrottle, type LoadStatus } from './load-progress.js';
import type { Logger } from './log.js';
import { timeout } from './mailbox.js';
import type { ClientIO, IoStats } from './programs.js';
import type { PartySession } from './session-state.js';
import type { SecureLink } from './secure-link.js';
import type { DType, Frame } from '../protocols/channel.js';

function u64Of(bytes: Uint8Array, n: number): BigUint64Array {
  if (bytes.byteOffset % 8 === 0) return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
  const out = new BigUint64Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, 8 * n));
  return out;
}

export class PartyClientIO implements ClientIO {
  readonly stats: IoStats = { bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0 };

  constructor(
    private readonly self: PartyId,
    private readonly s: PartySession,
    private readonly link: SecureLink,
    readonly dataDir: string,
    readonly log: Logger,
    private readonly inputTimeoutMs: number,
  ) {}

  get session(): string {
    return this.s.id;
  }

  private async recvFrame(tag: string, dtype: DType, n: number): Promise<Frame> {
    const f = await timeout(this.s.clientBox.take(), this.inputTimeoutMs, () => {
      const e = new MpcError('MPC_ERR_TIMEOUT', `party ${this.self} waited ${this.inputTimeoutMs} ms for client input '${tag}'`, { tag });
      this.s.fail(e);
      return e;
    });
    let err: MpcError | null = null;
    if (f.tag !== tag) err = new MpcError('MPC_ERR_TAG_MISMATCH', `party ${this.self} expected client input '${tag}', got '${f.tag}'`, { tag });
    else if (f.dtype !== dtype || f.length !== n) err = new MpcError('MPC_ERR_SHAPE', `party ${this.self} expected ${n}×${dtype} for client input '${tag}', got ${f.length}×${f.dtype}`, { tag });
    if (err) {
      this.link.close(err.code, err.message);
      throw err;
    }
    this.stats.bytesIn += f.bytes.byteLength;
    this.stats.framesIn++;
    return f;
  }

  async recvU64(tag: string, n: number): Promise<BigUint64Array> {
    return u64Of((await this.recvFrame(tag, 'u64', n)).bytes, n);
  }

  async recvBytes(tag: string, n: number): Promise<Uint8Array> {
    return (await this.recvFrame(tag, 'u8', n)).bytes;
  }

  async recvShare(tag: string, shape: Shape): Promise<AShare> {
    const n = sizeOf(shape);
    const both = await this.recvU64(tag, 2 * n);
    return aShare(shape, both.subarray(0, n), both.subarray(n, 2 * n));
  }

  private send(tag: string, dtype: DType, n: number, bytes: Uint8Array, shape?: Shape): void {
    if (this.s.failure) throw this.s.failure;
    const h = { s: this.s.id, q: this.s.clientOutSeq++, t: tag, d: 0, y: dtype, n, ...(shape ? { sh: [...shape] } : {}) };
    this.link.sendFrame(h, bytes);
    this.stats.bytesOut += bytes.byteLength;
    this.stats.framesOut++;
  }

  sendU64(tag: string, data: BigUint64Array, shape?: Shape): void {
    this.send(tag, 'u64', data.length, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), shape);
  }

  sendBytes(tag: string, data: Uint8Array): void {
    this.send(tag, 'u8', data.length, data);
  }

  sendShare(tag: string, x: AShare): void {
    this.sendU64(tag, x.s0, x.shape);
  }

  sendBits(tag: string, b: BitShare): void {
    this.sendU64(tag, b.s0);
  }

  flush(): Promise<void> {
    return this.link.drained();
  }

  private readonly throttle = new ProgressThrottle((p) => this.link.sendControl(progressMessage(this.s.id, this.self, p)));

  progress(p: LoadStatus): void {
    if (!this.s.open?.progress || this.s.failure || this.link.closed) return;
    this.throttle.update(p);
  }
}
