/**
 * Channel: the transport seen by protocol code. One Channel per party; it reaches the two other
 * parties. Frames between two parties on one stream arrive in the order they were sent (streams
 * separate the concurrent branches of a forked context, src/protocols/context.ts). Implementations:
 * the in-memory one (three parties in one process, src/protocols/memory-channel.ts) and the
 * WebSocket one (src/parties).
 *
 * A Channel moves opaque frames; tag/dtype/length checks and cost metering live in Comm.
 */
export type PartyId = 0 | 1 | 2;

export const PARTIES: readonly PartyId[] = [0, 1, 2];

export function nextParty(i: PartyId): PartyId {
  return ((i + 1) % 3) as PartyId;
}

export function prevParty(i: PartyId): PartyId {
  return ((i + 2) % 3) as PartyId;
}

export type DType = 'u64' | 'u8';

export interface Frame {
  /** Op tag, e.g. 'mulAA' or 'msb/carry'; a receiver expecting another tag fails with MPC_ERR_TAG_MISMATCH. */
  readonly tag: string;
  /** Sender's communication depth (rounds on its critical path) when it sent the frame. */
  readonly depth: number;
  readonly dtype: DType;
  /** Number of dtype elements in `bytes`. */
  readonly length: number;
  /** Raw little-endian payload, byteLength = length * sizeof(dtype). */
  readonly bytes: Uint8Array;
  /** Message stream of a forked context ('' or absent = the root stream). */
  readonly stream?: string;
}

export interface Channel {
  readonly self: PartyId;
  /** Queue a frame for a peer (on frame.stream). Never blocks; the transport handles backpressure. */
  send(to: PartyId, frame: Frame): void;
  /**
   * The next frame from a peer on a stream ('' = root), in send order within that stream; frames
   * of different streams may arrive in any order relative to each other. Rejects with an
   * MpcError if the link fails.
   */
  recv(from: PartyId, stream?: string): Promise<Frame>;
  /** Abort all pending and future receives with the given error. */
  abort(error: Error): void;
}

export function dtypeSize(dtype: DType): number {
  return dtype === 'u64' ? 8 : 1;
}
