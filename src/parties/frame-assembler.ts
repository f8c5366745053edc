/**
 * Reassembly of a tensor frame that arrives as one FRAME message and CONT messages (wire.ts).
 * Nothing is allocated from what a header promises: the chunks that arrived are kept (each
 * message's plaintext is fresh, so no copy), and the frame's buffer is allocated once, when its
 * last byte is in. The caller caps the bytes it may hold (`room`).
 */
import type { DType } from '../protocols/channel.js';
import { dtypeSize } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import { decodeFrameHeader, MAX_HEADER_BYTES, type FrameHeader } from './wire.js';

export interface AssembledFrame {
  h: FrameHeader;
  body: Uint8Array;
}

interface Pending {
  h: FrameHeader;
  total: number;
  chunks: Uint8Array[];
  filled: number;
}

export class FrameAssembler {
  private pending: Pending | null = null;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes of a frame in progress (they count against the link's buffer cap). */
  get filled(): number {
    return this.pending?.filled ?? 0;
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /**
   * A FRAME message: the whole frame, or null when CONT messages follow. `room` is how many bytes
   * the link may still hold; a frame that would exceed it fails with MPC_ERR_LIMIT (`limitMsg`).
   */
  start(plain: Buffer, room: number, limitMsg: (h: FrameHeader, total: number) => string): AssembledFrame | null {
    if (this.pending) throw new MpcError('MPC_ERR_FRAME', 'new frame before the previous one was complete');
    if (plain.length < 4) throw new MpcError('MPC_ERR_FRAME', 'malformed frame prefix');
    const pad = plain[1];
    const hl = plain.readUInt16LE(2);
    const start = 4 + hl + pad;
    if (pad > 7 || hl > MAX_HEADER_BYTES || start > plain.length) throw new MpcError('MPC_ERR_FRAME', 'malformed frame prefix');
    const h = decodeFrameHeader(plain.subarray(4, 4 + hl), this.maxFrameBytes);
    const total = h.n * dtypeSize(h.y as DType);
    const chunk = plain.subarray(start);
    if (chunk.length > total) throw new MpcError('MPC_ERR_SHAPE', `frame '${h.t}': ${chunk.length} bytes for ${h.n}×${h.y}`, { tag: h.t });
    if (chunk.length === total) return { h, body: chunk.byteOffset % 8 === 0 ? chunk : Uint8Array.from(chunk) };
    if (total > room) throw new MpcError('MPC_ERR_LIMIT', limitMsg(h, total), { tag: h.t });
    this.pending = { h, total, chunks: [chunk], filled: chunk.length }; // `plain` is fresh per message: kept, not copied
    return null;
  }

  /** A CONT message: the whole frame once its last byte is in, else null. */
  cont(plain: Buffer): AssembledFrame | null {
    const p = this.pending;
    if (!p) throw new MpcError('MPC_ERR_FRAME', 'continuation without a frame');
    const chunk = plain.subarray(1);
    if (p.filled + chunk.length > p.total) throw new MpcError('MPC_ERR_SHAPE', `frame '${p.h.t}': more bytes than ${p.h.n}×${p.h.y}`, { tag: p.h.t });
    p.chunks.push(chunk);
    p.filled += chunk.length;
    if (p.filled < p.total) return null;
    this.pending = null;
    const buf = new Uint8Array(Buffer.allocUnsafeSlow(p.total).buffer, 0, p.total); // fresh, 8-aligned, filled below
    let o = 0;
    for (const c of p.chunks) {
      buf.set(c, o);
      o += c.length;
    }
    p.chunks.length = 0;
    return { h: p.h, body: buf };
  }

  /** Drop a frame in progress (the link closed). */
  reset(): void {
    this.pending = null;
  }
}
