/**
 * ClientLink: one end of the link between the client and one computing party during a session,
 * beside `Channel` (the party↔party transport). A party holds one end (to the client); the
 * client holds three (`ClientLinks`, one to each party). The same interface serves both ends
 * and both transports: in memory (memory-client-link.ts) and over WebSockets (src/parties).
 *
 * The link moves tagged frames; the functions below put shares on it. A client input x reaches
 * party j as its pair (x_j, x_{j+1}) in one u64 frame of 2n elements; an output leaves each
 * party as its first component x_i and the client adds the three.
 */
import { Prg } from '../ring/prg.js';
import type { Shape } from '../ring/tensor.js';
import { sizeOf, u64View } from '../ring/tensor.js';
import type { DType, Frame, PartyId } from './channel.js';
import { dtypeSize, PARTIES } from './channel.js';
import { MpcError } from './errors.js';
import { splitShares } from './io.js';
import type { AShare, BitShare } from './share.js';
import { aShare, getBit } from './share.js';

/** Payload bytes and frames through one link end (client↔party traffic is not in the Meter). */
export interface IoStats {
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
}

export interface ClientLink {
  readonly stats: IoStats;
  /** Queue a frame for the other end (`shape` travels in the header). Never blocks. */
  send(tag: string, dtype: DType, bytes: Uint8Array, shape?: Shape): void;
  /**
   * The payload of the next frame, which must carry `tag` (else MPC_ERR_TAG_MISMATCH) and n
   * elements of `dtype` (else MPC_ERR_SHAPE).
   */
  recv(tag: string, dtype: DType, n: number): Promise<Uint8Array>;
  /** Resolves when everything sent so far has left the process (bulk transfers). */
  flush(): Promise<void>;
}

/** The client's three ends, index = party id. */
export type ClientLinks = readonly [ClientLink, ClientLink, ClientLink];

/** Who expects what, for errors: the party end names itself, a client end the party it hears. */
export interface LinkLabel {
  readonly me: string;
  readonly from: string;
  readonly party?: PartyId;
}

/** The error a received frame earns (null when it is the expected one). */
export function frameMismatch(f: Frame, tag: string, dtype: DType, n: number, l: LinkLabel): MpcError | null {
  const opts = { tag, ...(l.party === undefined ? {} : { party: l.party }) };
  if (f.tag !== tag) return new MpcError('MPC_ERR_TAG_MISMATCH', `${l.me} expected '${tag}' from ${l.from}, got '${f.tag}'`, opts);
  if (f.dtype !== dtype || f.length !== n) return new MpcError('MPC_ERR_SHAPE', `${l.me} expected ${n}×${dtype} for '${tag}' from ${l.from}, got ${f.length}×${f.dtype}`, opts);
  return null;
}

/** The frame a send becomes (depth 0: client traffic has no rounds). */
export function clientFrame(tag: string, dtype: DType, bytes: Uint8Array): Frame {
  return { tag, depth: 0, dtype, length: bytes.byteLength / dtypeSize(dtype), bytes };
}

export function sendU64(link: ClientLink, tag: string, x: BigUint64Array, shape?: Shape): void {
  link.send(tag, 'u64', new Uint8Array(x.buffer, x.byteOffset, x.byteLength), shape);
}

export async function recvU64(link: ClientLink, tag: string, n: number): Promise<BigUint64Array> {
  return u64View(await link.recv(tag, 'u64', n), n);
}

// ---- the party's end ----------------------------------------------------------------------

/** This party's share (x_i, x_{i+1}) of a client input of `shape` (sent by `sendShares`). */
export async function recvShare(link: ClientLink, tag: string, shape: Shape): Promise<AShare> {
  const n = sizeOf(shape);
  const both = await recvU64(link, tag, 2 * n);
  return aShare(shape, both.subarray(0, n), both.subarray(n, 2 * n));
}

/** Send x_i (this party's first component) to the client, which adds the three (`reconstruct`). */
export function sendShare(link: ClientLink, tag: string, x: AShare): void {
  sendU64(link, tag, x.s0, x.shape);
}

/** Send the first component of a packed bit share; the client XORs the three (`reconstructBits`). */
export function sendBits(link: ClientLink, tag: string, b: BitShare): void {
  sendU64(link, tag, b.s0);
}

// ---- the client's ends --------------------------------------------------------------------

/** Secret-share x (ring elements) to the three parties: party j receives (x_j, x_{j+1}). */
export function sendShares(links: ClientLinks, tag: string, x: BigUint64Array, shape: Shape, prg: Prg = Prg.random()): void {
  const n = sizeOf(shape);
  if (x.length !== n) throw new RangeError(`sendShares '${tag}': ${x.length} values for shape [${shape.join(',')}]`);
  const shares = splitShares(x, prg);
  for (const j of PARTIES) {
    const both = new BigUint64Array(2 * n);
    both.set(shares[j][0], 0);
    both.set(shares[j][1], n);
    sendU64(links[j], tag, both);
  }
}

/** Reveal an arithmetic output of n elements: the sum of the parties' first components. */
export async function reconstruct(links: ClientLinks, tag: string, n: number): Promise<BigUint64Array> {
  const parts = await Promise.all(PARTIES.map((j) => recvU64(links[j], tag, n)));
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = parts[0][i] + parts[1][i] + parts[2][i];
  return out;
}

/** Reveal a packed bit output of `nbits` bits (XOR of the three components), one byte per bit. */
export async function reconstructBits(links: ClientLinks, tag: string, nbits: number): Promise<Uint8Array> {
  const W = Math.ceil(nbits / 64);
  const parts = await Promise.all(PARTIES.map((j) => recvU64(links[j], tag, W)));
  const w = new BigUint64Array(W);
  for (let i = 0; i < W; i++) w[i] = parts[0][i] ^ parts[1][i] ^ parts[2][i];
  const out = new Uint8Array(nbits);
  for (let e = 0; e < nbits; e++) out[e] = getBit(w, e);
  return out;
}

/** Send the same bytes to the three parties (public control data, e.g. 'proceed'). */
export function sendAll(links: ClientLinks, tag: string, bytes: Uint8Array): void {
  for (const l of links) l.send(tag, 'u8', bytes);
}
