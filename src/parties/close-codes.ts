/** WebSocket close codes and reasons for MpcErrors, and bounded printing of untrusted values. */
import { MPC_ERROR_CODES, type MpcErrorCode } from '../protocols/errors.js';

/** ws close code for an MpcError code: 4000 + its index in MPC_ERROR_CODES. */
export const closeCodeOf = (c: MpcErrorCode): number => 4000 + MPC_ERROR_CODES.indexOf(c);
export function codeOfClose(n: number): MpcErrorCode | null {
  return n >= 4000 && n < 4000 + MPC_ERROR_CODES.length ? MPC_ERROR_CODES[n - 4000] : null;
}

/**
 * A WebSocket close reason: at most 123 UTF-8 bytes, cut at a character boundary. Linear in the
 * output (never in the input): a reason may quote an attacker's hello.
 */
export function closeReason(s: string): string {
  let out = s.length > 123 ? s.slice(0, 123) : s; // a character is ≥ 1 byte
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1); // ≤ 123 steps of ≤ 123 chars
  return out;
}

/** A short printable description of an untrusted value for an error message or a log line. */
export function brief(v: unknown, max = 24): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v).slice(0, max);
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return Array.isArray(v) ? `<array of ${v.length}>` : `<${typeof v}>`;
}
