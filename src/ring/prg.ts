/**
 * PRG: AES-128-CTR (node:crypto) expanding a 128-bit seed into ring elements or bytes.
 * Two parties holding the same seed draw identical streams as long as they draw the same
 * amounts in the same order (the protocols are deterministic given public shapes).
 */
import { createCipheriv, createHash, randomBytes, type Cipher } from 'node:crypto';
import { u64View } from './tensor.js';

const BLOCK = 16;

export class Prg {
  private readonly key: Uint8Array;
  /** Next unused 16-byte counter block. */
  private block = 0n;
  private zeros = new Uint8Array(0);
  /**
   * One AES-128-CTR stream kept across calls: every call consumes whole blocks, so the cipher's
   * counter is always `block` — the same keystream as a fresh cipher at IV = block (OpenSSL
   * increments the whole 128-bit big-endian counter), without building a cipher per call.
   */
  private cipher: Cipher | null = null;

  constructor(seed: Uint8Array) {
    if (!(seed instanceof Uint8Array) || seed.length !== 16) {
      throw new RangeError(`PRG seed must be 16 bytes, got ${seed?.length}`);
    }
    this.key = Uint8Array.from(seed);
  }

  /** A fresh PRG from the system CSPRNG (only for an input owner's private randomness). */
  static random(): Prg {
    return new Prg(randomBytes(16));
  }

  /**
   * A 16-byte seed for an independent child stream, SHA-256(seed ‖ label) truncated: two
   * holders of the same seed derive the same child, and this stream's counter does not move
   * (so enabling a child consumer never changes what this stream draws).
   */
  deriveSeed(label: string): Uint8Array {
    return Uint8Array.from(createHash('sha256').update(this.key).update(`\0triform-derive\0${label}`).digest().subarray(0, 16));
  }

  /** `nbytes` pseudo-random bytes; the counter advances by whole blocks. */
  bytes(nbytes: number): Uint8Array {
    const blocks = Math.ceil(nbytes / BLOCK);
    const padded = blocks * BLOCK;
    if (this.zeros.length < padded) this.zeros = new Uint8Array(Math.max(padded, 2 * this.zeros.length));
    if (this.cipher === null) {
      const iv = new Uint8Array(BLOCK);
      new DataView(iv.buffer).setBigUint64(8, BigInt.asUintN(64, this.block), false);
      new DataView(iv.buffer).setBigUint64(0, this.block >> 64n, false);
      this.cipher = createCipheriv('aes-128-ctr', this.key, iv);
    }
    this.block += BigInt(blocks);
    const out = this.cipher.update(this.zeros.subarray(0, padded));
    return new Uint8Array(out.buffer, out.byteOffset, nbytes);
  }

  /**
   * Advance the stream past `nbytes` without producing them (a party that must stay in lock-step
   * with its seed partner but has no use for a draw). Same counter arithmetic as bytes().
   */
  skip(nbytes: number): void {
    if (!Number.isInteger(nbytes) || nbytes < 0) throw new RangeError(`PRG skip needs a byte count >= 0, got ${nbytes}`);
    const blocks = Math.ceil(nbytes / BLOCK);
    if (blocks === 0) return;
    this.block += BigInt(blocks);
    this.cipher = null; // the kept cipher's counter is behind now: the next draw restarts at `block`
  }

  /** `n` uniformly random elements of Z_2^64. */
  ring(n: number): BigUint64Array {
    return u64View(this.bytes(8 * n), n);
  }

  /** How many 16-byte blocks have been drawn (for lock-step checks in tests). */
  get blocksDrawn(): bigint {
    return this.block;
  }
}
