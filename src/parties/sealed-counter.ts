/**
 * One link's AES-256-GCM sealing with counter nonces. A sealed message is
 * [u64 LE counter][ciphertext][16-byte tag]; the receiver accepts exactly the next counter, so a
 * replayed, reordered, dropped or tampered message fails with MPC_ERR_AUTH.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { MpcError } from '../protocols/errors.js';

const TAG_BYTES = 16;
export const SEAL_OVERHEAD = 8 + TAG_BYTES;

function nonceOf(ctr: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(ctr, 4);
  return nonce;
}

export class SealedCounter {
  private readonly sendKey: KeyObject;
  private readonly recvKey: KeyObject;
  private sendCtr = 0n;
  private recvCtr = 0n;

  constructor(sendKey: Uint8Array, recvKey: Uint8Array) {
    this.sendKey = createSecretKey(sendKey);
    this.recvKey = createSecretKey(recvKey);
  }

  /** Seal the concatenation of `parts` as the next message. */
  seal(parts: readonly Uint8Array[]): Buffer {
    const plainLen = parts.reduce((t, p) => t + p.byteLength, 0);
    const out = Buffer.allocUnsafe(SEAL_OVERHEAD + plainLen);
    const ctr = this.sendCtr++;
    out.writeBigUInt64LE(ctr, 0);
    const c = createCipheriv('aes-256-gcm', this.sendKey, nonceOf(ctr));
    let o = 8;
    for (const p of parts) {
      if (p.byteLength === 0) continue;
      const ct = c.update(p);
      ct.copy(out, o);
      o += ct.length;
    }
    c.final();
    c.getAuthTag().copy(out, o);
    return out;
  }

  /** Open the next message; throws MpcError (MPC_ERR_AUTH / MPC_ERR_FRAME) on anything else. */
  open(msg: Buffer): Buffer {
    if (msg.length < SEAL_OVERHEAD + 1) throw new MpcError('MPC_ERR_FRAME', `short message (${msg.length} bytes)`);
    const ctr = msg.readBigUInt64LE(0);
    if (ctr < this.recvCtr) throw new MpcError('MPC_ERR_AUTH', `replayed message (counter ${ctr}, expected ${this.recvCtr})`);
    if (ctr > this.recvCtr) throw new MpcError('MPC_ERR_AUTH', `reordered or dropped message (counter ${ctr}, expected ${this.recvCtr})`);
    const d = createDecipheriv('aes-256-gcm', this.recvKey, nonceOf(ctr));
    d.setAuthTag(msg.subarray(msg.length - TAG_BYTES));
    const plain = d.update(msg.subarray(8, msg.length - TAG_BYTES));
    try {
      d.final();
    } catch {
      throw new MpcError('MPC_ERR_AUTH', 'tampered message (authentication tag mismatch)');
    }
    this.recvCtr++;
    return plain;
  }
}
