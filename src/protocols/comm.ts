/**
 * Comm: tagged, typed, metered messaging on top of a Channel. Protocol code only talks through
 * this class: every frame carries the op tag and the sender's depth, and a receiver states the
 * tag, dtype and length it expects (a mismatch is an MpcError, never silent garbage).
 *
 * An offline Comm (`offlineOnly`, the Comm of Party.offline's contexts) sends and receives every
 * frame as an offline frame: the sub-protocol it runs is data-independent preprocessing (see
 * Meter), so its bytes are offline bytes and its frames carry and raise only the offline depth.
 */
import type { Channel, DType, Frame, PartyId } from './channel.js';
import { nextParty, prevParty } from './channel.js';
import { MpcError } from './errors.js';
import type { Meter } from './meter.js';
import { u64View } from '../ring/tensor.js';

export class Comm {
  readonly self: PartyId;
  readonly next: PartyId;
  readonly prev: PartyId;

  constructor(
    readonly channel: Channel,
    readonly meter: Meter,
    /** Message stream ('' = root); frames of other streams never reach this Comm's receives. */
    readonly stream = '',
    /** Every frame is offline (data-independent preprocessing; see the file comment). */
    readonly offlineOnly = false,
  ) {
    this.self = channel.self;
    this.next = nextParty(this.self);
    this.prev = prevParty(this.self);
  }

  private sendFrame(to: PartyId, tag: string, dtype: DType, length: number, bytes: Uint8Array, offline = false): void {
    offline ||= this.offlineOnly;
    if (offline) this.meter.onSendOffline(bytes.byteLength);
    else this.meter.onSend(bytes.byteLength);
    // an offline frame carries the offline depth (its receiver's online depth never reads it)
    const depth = offline ? this.meter.offlineDepth : this.meter.depth;
    this.channel.send(to, { tag, depth, dtype, length, bytes, stream: this.stream });
  }

  private async recvFrame(from: PartyId, tag: string, dtype: DType, length: number, offline = false): Promise<Frame> {
    offline ||= this.offlineOnly;
    const f = await this.channel.recv(from, this.stream);
    if (f.tag !== tag) {
      const where = this.stream ? ` on stream ${this.stream}` : '';
      throw new MpcError('MPC_ERR_TAG_MISMATCH', `party ${this.self} expected '${tag}' from party ${from}${where}, got '${f.tag}'`, { party: from, tag });
    }
    if (f.dtype !== dtype || f.length !== length || f.bytes.byteLength !== length * (dtype === 'u64' ? 8 : 1)) {
      throw new MpcError(
        'MPC_ERR_SHAPE',
        `party ${this.self} expected ${length}×${dtype} for '${tag}' from party ${from}, got ${f.length}×${f.dtype} (${f.bytes.byteLength} bytes)`,
        { party: from, tag },
      );
    }
    if (offline) this.meter.onRecvOffline(f.bytes.byteLength, f.depth);
    else this.meter.onRecv(f.bytes.byteLength, f.depth);
    return f;
  }

  sendU64(to: PartyId, tag: string, data: BigUint64Array): void {
    this.sendFrame(to, tag, 'u64', data.length, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  async recvU64(from: PartyId, tag: string, n: number): Promise<BigUint64Array> {
    const f = await this.recvFrame(from, tag, 'u64', n);
    return u64View(f.bytes, n);
  }

  /**
   * Offline (dealer) material: the content must be a function of the sender's PRSS seeds alone,
   * never of data (see Meter). Metered apart; receiving it does not raise the receiver's depth.
   */
  sendU64Offline(to: PartyId, tag: string, data: BigUint64Array): void {
    this.sendFrame(to, tag, 'u64', data.length, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), true);
  }

  async recvU64Offline(from: PartyId, tag: string, n: number): Promise<BigUint64Array> {
    const f = await this.recvFrame(from, tag, 'u64', n, true);
    return u64View(f.bytes, n);
  }

  sendBytes(to: PartyId, tag: string, data: Uint8Array): void {
    this.sendFrame(to, tag, 'u8', data.length, data);
  }

  async recvBytes(from: PartyId, tag: string, n: number): Promise<Uint8Array> {
    return (await this.recvFrame(from, tag, 'u8', n)).bytes;
  }
}
