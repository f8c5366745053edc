/**
 * ClientLink over an authenticated WebSocket link (secure-link.ts). The party's end of a
 * session's client link and the client's three ends are this one class. A frame carries the
 * session id and a sequence number per session and direction (wire.ts); the receiving side has
 * already checked the order and queued the frames in `box` (session-state.ts at a party,
 * client-session.ts at the client).
 */
import type { DType } from '../protocols/channel.js';
import { dtypeSize } from '../protocols/channel.js';
import { frameMismatch, type ClientLink, type IoStats, type LinkLabel } from '../protocols/client-link.js';
import { MpcError } from '../protocols/errors.js';
import type { Shape } from '../ring/tensor.js';
import { timeout, type Mailbox } from './mailbox.js';
import type { SecureLink } from './secure-link.js';
import type { FrameHeader } from './wire.js';

export interface WsLinkEnd {
  readonly session: string;
  readonly link: SecureLink;
  /** Frames from the other end, in order. */
  readonly box: Mailbox;
  nextSeq(): number;
  /** The session's failure, if any: nothing more is sent. */
  failure(): MpcError | null;
  readonly label: LinkLabel;
  /**
   * The party's end only: a client that sends another frame than the program expects loses its
   * link (it sent garbage), and one that sends nothing for `waitMs` fails the session via `fail`.
   */
  readonly strict?: { readonly waitMs: number; fail(e: MpcError): void };
}

export class WsClientLink implements ClientLink {
  readonly stats: IoStats = { bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0 };

  constructor(private readonly end: WsLinkEnd) {}

  send(tag: string, dtype: DType, bytes: Uint8Array, shape?: Shape): void {
    const failure = this.end.failure();
    if (failure) throw failure;
    const h: FrameHeader = { s: this.end.session, q: this.end.nextSeq(), t: tag, d: 0, y: dtype, n: bytes.byteLength / dtypeSize(dtype) };
    if (shape) h.sh = [...shape];
    this.end.link.sendFrame(h, bytes);
    this.stats.bytesOut += bytes.byteLength;
    this.stats.framesOut++;
  }

  async recv(tag: string, dtype: DType, n: number): Promise<Uint8Array> {
    const { box, strict, label, link } = this.end;
    const f = !strict
      ? await box.take()
      : await timeout(box.take(), strict.waitMs, () => {
          const e = new MpcError('MPC_ERR_TIMEOUT', `${label.me} waited ${strict.waitMs} ms for client input '${tag}'`, { tag });
          strict.fail(e);
          return e;
        });
    const err = frameMismatch(f, tag, dtype, n, label);
    if (err) {
      if (strict) link.close(err.code, err.message);
      throw err;
    }
    this.stats.bytesIn += f.bytes.byteLength;
    this.stats.framesIn++;
    return f.bytes;
  }

  async flush(): Promise<void> {
    const failure = this.end.failure();
    if (failure) throw failure;
    await this.end.link.drained();
  }
}
