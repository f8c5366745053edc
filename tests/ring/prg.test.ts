/**
 * The PRG keeps one AES-CTR stream across calls: its output must equal a fresh AES-128-CTR
 * cipher started at the block counter of every call (the definition), for any sequence of sizes.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Prg } from '../../src/ring/prg.js';

function reference(key: Uint8Array, block: bigint, nbytes: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(block >> 64n, 0);
  iv.writeBigUInt64BE(BigInt.asUintN(64, block), 8);
  const c = createCipheriv('aes-128-ctr', key, iv);
  return new Uint8Array(c.update(Buffer.alloc(Math.ceil(nbytes / 16) * 16))).subarray(0, nbytes);
}

describe('Prg', () => {
  it('every call equals a fresh AES-128-CTR cipher at the current block counter', () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i * 17 + 3);
    const prg = new Prg(key);
    let block = 0n;
    for (const n of [1, 16, 17, 33, 8000, 5, 0, 4096, 100003, 7]) {
      const got = prg.bytes(n);
      expect(Buffer.from(got).equals(Buffer.from(reference(key, block, n))), `call of ${n} bytes`).toBe(true);
      block += BigInt(Math.ceil(n / 16));
      expect(prg.blocksDrawn).toBe(block);
    }
    const r = prg.ring(3);
    expect(Buffer.from(r.buffer, r.byteOffset, 24).equals(Buffer.from(reference(key, block, 24)))).toBe(true);
  });

  it('skip(n) leaves the stream where drawing n bytes would (a lock-step partner that draws them agrees)', () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);
    const a = new Prg(key);
    const b = new Prg(key);
    for (const n of [24, 1, 0, 8000, 17]) {
      a.bytes(40);
      b.bytes(40); // both have a cipher in flight
      a.bytes(n);
      b.skip(n);
      expect(b.blocksDrawn).toBe(a.blocksDrawn);
      expect(Buffer.from(b.bytes(64)).equals(Buffer.from(a.bytes(64))), `after skipping ${n}`).toBe(true);
    }
  });
});
