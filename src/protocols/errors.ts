/**
 * MpcError: every failure a party or client can report carries a stable machine-readable code.
 * The codes are documented in docs/errors.md.
 */
export const MPC_ERROR_CODES = [
  'MPC_ERR_PEER_CLOSED', // a peer's link closed or the peer died
  'MPC_ERR_TIMEOUT', // a peer was silent past the heartbeat / receive timeout
  'MPC_ERR_TAG_MISMATCH', // the next frame from a peer carries another op tag than expected
  'MPC_ERR_SHAPE', // a frame or tensor has the wrong dtype, length or shape
  'MPC_ERR_AUTH', // handshake or frame authentication failed (unknown key, bad signature, tampered/replayed frame)
  'MPC_ERR_FRAME', // malformed or oversize frame
  'MPC_ERR_CONFIG', // invalid configuration
  'MPC_ERR_INPUT', // bad user input (NaN, out-of-range token, malformed checkpoint)
  'MPC_ERR_ABORTED', // the session was aborted by another party or the client
  'MPC_ERR_PROTOCOL', // a protocol invariant failed
  'MPC_ERR_LIMIT', // a party's resource cap was hit (connections, pending sessions, buffered bytes)
  'MPC_ERR_RANGE', // checked mode: a value left its fixed-point range (the result would be wrong)
] as const;

export type MpcErrorCode = (typeof MPC_ERROR_CODES)[number];

export class MpcError extends Error {
  readonly code: MpcErrorCode;
  readonly party: number | undefined;
  readonly tag: string | undefined;

  constructor(code: MpcErrorCode, message: string, opts: { party?: number; tag?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MpcError';
    this.code = code;
    this.party = opts.party;
    this.tag = opts.tag;
  }

  toJSON(): { code: MpcErrorCode; message: string; party?: number; tag?: string } {
    const out: { code: MpcErrorCode; message: string; party?: number; tag?: string } = { code: this.code, message: this.message };
    if (this.party !== undefined) out.party = this.party;
    if (this.tag !== undefined) out.tag = this.tag;
    return out;
  }
}

export function isMpcError(e: unknown): e is MpcError {
  return e instanceof MpcError;
}
