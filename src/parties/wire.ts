/**
 * Wire format of a link after the handshake (the plaintext inside one sealed WebSocket message):
 *
 *   FRAME    [0x01][pad p][u16 LE header length][msgpack FrameHeader][p zero bytes][first chunk]
 *            (p ≤ 7 makes the chunk start 8-aligned, so a u64 tensor is read in place)
 *   CONT     [0x02][next chunk of the tensor bytes]
 *   CONTROL  [0x03][msgpack ControlMessage]
 *   BATCH    [0x04] several of the above, between parties only (message-batch.ts)
 *
 * A tensor larger than one message is split into one FRAME and CONT messages that follow it
 * directly (a link carries one frame at a time per direction). The header names the session,
 * the per-session sequence number, op tag, sender depth, dtype, element count, an optional
 * shape and an optional stream id (forked contexts); the payload is the raw little-endian tensor.
 */
import { Packr } from 'msgpackr';
import type { DType } from '../protocols/channel.js';
import { dtypeSize } from '../protocols/channel.js';
import type { IoStats } from '../protocols/client-link.js';
import { MpcError } from '../protocols/errors.js';

export const MSG_FRAME = 1;
export const MSG_CONT = 2;
export const MSG_CONTROL = 3;

/** Largest encoded FrameHeader; a longer one is malformed. */
export const MAX_HEADER_BYTES = 4096;
const MAX_TAG = 200;
const MAX_SESSION = 64;
/** Longest stream id (fork indices joined by '.', sidecar indices by '~': deep nesting stays far below this). */
const MAX_STREAM = 64;

/** Stateless msgpack (no record extension: every message decodes on its own). */
export const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export interface FrameHeader {
  /** Session id. */
  s: string;
  /** Sequence number of this frame within (session, direction), from 0. */
  q: number;
  /** Op tag. */
  t: string;
  /** Sender depth. */
  d: number;
  y: DType;
  /** Element count. */
  n: number;
  /** Optional shape; its product must equal n. */
  sh?: number[];
  /** Message stream of a forked context (absent = root), e.g. '0.2', or of a sidecar context, e.g. '0.2~1' (context.ts). */
  st?: string;
}

export interface ControlMessage {
  op: string;
  s?: string;
  [field: string]: unknown;
}

/** One peer link's share of a session, in a party's `done` message. */
export interface PartyWireStats {
  to: number;
  sealedBytesSent: number;
  payloadBytesSent: number;
  framesSent: number;
  /** Sealed messages: fewer than frames when small frames sent together went as one batch. */
  messagesSent: number;
}

/** The `stats` of a party's `done` message. */
export interface PartySessionStats {
  ms: number;
  /** Per peer link: sealed bytes (header + AEAD + control) vs tensor payload bytes. */
  wire: PartyWireStats[];
  /** The party's end of the client link. */
  io: IoStats;
}

/** The MpcError a control message's `error` field (`MpcError.toJSON()` of the sender) stands for; bounded. */
export function errorFromWire(x: unknown, fallback: string): MpcError {
  const o = (x ?? {}) as { code?: unknown; message?: unknown; party?: unknown; tag?: unknown };
  const code = typeof o.code === 'string' && o.code.startsWith('MPC_ERR_') ? (o.code as MpcError['code']) : 'MPC_ERR_PROTOCOL';
  const opts: { party?: number; tag?: string } = {};
  if (typeof o.party === 'number') opts.party = o.party;
  if (typeof o.tag === 'string') opts.tag = o.tag.slice(0, 200);
  return new MpcError(code, typeof o.message === 'string' ? o.message.slice(0, 2000) : fallback, opts);
}

export function encodeControl(m: ControlMessage): Buffer {
  const body = packr.pack(m);
  const out = Buffer.allocUnsafe(1 + body.length);
  out[0] = MSG_CONTROL;
  body.copy(out, 1);
  return out;
}

/**
 * The FRAME prefix of a tensor frame: [0x01][pad][u16 LE header length][msgpack header][pad zero
 * bytes], padded to a multiple of 8 so the body of a one-message frame is 8-aligned in the
 * receiver's plaintext buffer. Throws MPC_ERR_FRAME for a header over MAX_HEADER_BYTES.
 */
export function encodeFramePrefix(h: FrameHeader): Buffer {
  const hb = packr.pack(h);
  if (hb.length > MAX_HEADER_BYTES) throw new MpcError('MPC_ERR_FRAME', `frame header of ${hb.length} bytes (tag '${h.t.slice(0, 40)}')`, { tag: h.t });
  const raw = 4 + hb.length;
  const pad = (8 - (raw % 8)) % 8;
  const prefix = Buffer.alloc(raw + pad);
  prefix[0] = MSG_FRAME;
  prefix[1] = pad;
  prefix.writeUInt16LE(hb.length, 2);
  hb.copy(prefix, 4);
  return prefix;
}

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Decode and check a frame header; throws MPC_ERR_FRAME (malformed) or MPC_ERR_SHAPE (inconsistent). */
export function decodeFrameHeader(bytes: Uint8Array, maxFrameBytes: number): FrameHeader {
  let h: unknown;
  try {
    h = packr.unpack(bytes);
  } catch {
    throw new MpcError('MPC_ERR_FRAME', 'malformed frame header (not msgpack)');
  }
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw new MpcError('MPC_ERR_FRAME', 'malformed frame header (not a map)');
  const o = h as Record<string, unknown>;
  if (typeof o.s !== 'string' || o.s.length === 0 || o.s.length > MAX_SESSION) throw new MpcError('MPC_ERR_FRAME', 'malformed frame header: session');
  if (typeof o.t !== 'string' || o.t.length > MAX_TAG) throw new MpcError('MPC_ERR_FRAME', 'malformed frame header: tag');
  if (!isNat(o.q) || !isNat(o.d) || !isNat(o.n)) throw new MpcError('MPC_ERR_FRAME', 'malformed frame header: seq, depth or length');
  if (o.y !== 'u64' && o.y !== 'u8') throw new MpcError('MPC_ERR_SHAPE', `frame header: unknown dtype '${String(o.y).slice(0, 16)}'`, { tag: o.t });
  if (o.n * dtypeSize(o.y) > maxFrameBytes) throw new MpcError('MPC_ERR_FRAME', `oversize frame: ${o.n}×${o.y} exceeds maxFrameBytes ${maxFrameBytes}`, { tag: o.t });
  if (o.sh !== undefined) {
    if (!Array.isArray(o.sh) || o.sh.length > 16 || !o.sh.every(isNat)) throw new MpcError('MPC_ERR_FRAME', 'malformed frame header: shape', { tag: o.t });
    const prod = (o.sh as number[]).reduce((a, b) => a * b, 1);
    if (prod !== o.n) throw new MpcError('MPC_ERR_SHAPE', `frame header: shape [${(o.sh as number[]).join(',')}] does not hold ${o.n} elements`, { tag: o.t });
  }
  if (o.st !== undefined && (typeof o.st !== 'string' || o.st.length > MAX_STREAM || !/^[0-9.~]*$/.test(o.st))) throw new MpcError('MPC_ERR_FRAME', 'malformed frame header: stream', { tag: o.t });
  const out: FrameHeader = { s: o.s, q: o.q, t: o.t, d: o.d, y: o.y, n: o.n };
  if (o.sh !== undefined) out.sh = o.sh as number[];
  if (o.st) out.st = o.st;
  return out;
}

export function decodeControl(bytes: Uint8Array): ControlMessage {
  let m: unknown;
  try {
    m = packr.unpack(bytes);
  } catch {
    throw new MpcError('MPC_ERR_FRAME', 'malformed control message (not msgpack)');
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new MpcError('MPC_ERR_FRAME', 'malformed control message (not a map)');
  const o = m as ControlMessage;
  if (typeof o.op !== 'string' || o.op.length > 32) throw new MpcError('MPC_ERR_FRAME', 'malformed control message: op');
  if (o.s !== undefined && (typeof o.s !== 'string' || o.s.length === 0 || o.s.length > MAX_SESSION)) throw new MpcError('MPC_ERR_FRAME', 'malformed control message: session');
  return o;
}
