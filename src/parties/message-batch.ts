/**
 * Small messages a party sends to one peer together (link-sender.ts says when) travel as ONE
 * sealed WebSocket message (a BATCH), so they cost one AEAD seal, one ws send and one socket
 * write instead of one each (those fixed costs, not the bytes, weigh on a decode step's small
 * rounds between three processes; docs/compute.md).
 *
 *   BATCH    [0x04][7 zero bytes] then per message [u32 LE length L][u32 zero][L bytes][zeros to 8]
 *
 * Every entry starts 8-aligned in the plaintext, and a FRAME's prefix pads its body to 8 bytes
 * (wire.ts), so a u64 body inside a batch is still read in place. An entry is a FRAME, CONT or
 * CONTROL message exactly as it would travel alone; batches do not nest. The receiver hands the
 * entries, in order, to the same dispatch as single messages, so a batch can express nothing a
 * sequence of single messages could not.
 */
import { MpcError } from '../protocols/errors.js';

export const MSG_BATCH = 4;
/** Messages up to this many bytes are batched; larger ones go alone (after the pending batch). */
export const BATCH_ITEM_MAX = 64 << 10;
/** Largest batch plaintext (a link also keeps it within the peer's maxPayload). */
export const BATCH_MAX = 256 << 10;

/** The batch's own header, before its entries. */
export const BATCH_HEAD = 8;
/** Each entry's header: its length and 4 zero bytes. */
const ENTRY_HEAD = 8;
const pad8 = (n: number): number => (n + 7) & ~7;

/** Bytes of a message given as parts. */
export const partsBytes = (parts: readonly Uint8Array[]): number => parts.reduce((t, p) => t + p.byteLength, 0);

/** Bytes a message of `n` bytes adds to a batch. */
export const entryBytes = (n: number): number => ENTRY_HEAD + pad8(n);

/** One BATCH plaintext holding `messages` (each a list of parts), in order. */
export function encodeBatch(messages: readonly (readonly Uint8Array[])[]): Buffer {
  const sizes = messages.map(partsBytes);
  const out = Buffer.alloc(sizes.reduce((t, n) => t + entryBytes(n), BATCH_HEAD));
  out[0] = MSG_BATCH;
  let o = BATCH_HEAD;
  for (const [i, parts] of messages.entries()) {
    out.writeUInt32LE(sizes[i], o);
    let p = o + ENTRY_HEAD;
    for (const part of parts) {
      out.set(part, p);
      p += part.byteLength;
    }
    o += entryBytes(sizes[i]);
  }
  return out;
}

/** The entries of a BATCH plaintext (views, no copy); MPC_ERR_FRAME if it is malformed. */
export function splitBatch(plain: Buffer): Buffer[] {
  const bad = (why: string) => new MpcError('MPC_ERR_FRAME', `malformed batch message: ${why}`);
  if (plain.length < BATCH_HEAD || plain[0] !== MSG_BATCH) throw bad('short or not a batch');
  const out: Buffer[] = [];
  for (let o = BATCH_HEAD; o < plain.length; ) {
    if (o + ENTRY_HEAD > plain.length) throw bad(`entry header at byte ${o} runs past the end`);
    const n = plain.readUInt32LE(o);
    if (n === 0 || o + ENTRY_HEAD + n > plain.length) throw bad(`entry of ${n} bytes at byte ${o} of ${plain.length}`);
    const entry = plain.subarray(o + ENTRY_HEAD, o + ENTRY_HEAD + n);
    if (entry[0] === MSG_BATCH) throw bad('nested batch');
    out.push(entry);
    o += entryBytes(n);
  }
  if (out.length === 0) throw bad('no entries');
  return out;
}
