/** WebSocket close codes and reasons for MpcErrors, and how peers are named in messages. */
import { MPC_ERROR_CODES, type MpcErrorCode } from '../protocols/errors.js';
import type { PeerIdentity } from './handshake.js';

/** ws close code for an MpcError code: 4000 + its index in MPC_ERROR_CODES. */
export const closeCodeOf = (c: MpcErrorCode): number => 4000 + MPC_ERROR_CODES.indexOf(c);
export function codeOfClose(n: number): MpcErrorCode | null {
  return n >= 4000 && n < 4000 + MPC_ERROR_CODES.length ? MPC_ERROR_CODES[n - 4000] : null;
}

/** A WebSocket close reason: at most 123 UTF-8 bytes, cut at a character boundary. */
export function closeReason(s: string): string {
  let out = s;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

export function peerName(p: PeerIdentity): string {
  return p.role === 'party' ? `P${p.id}` : `client '${p.name}'`;
}
