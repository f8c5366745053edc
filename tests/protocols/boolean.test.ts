import { describe, expect, it } from 'vitest';
import { runLocal } from '../../src/protocols/local.js';
import { andBB, xorBB, notB } from '../../src/protocols/bool.js';
import { a2b } from '../../src/protocols/a2b.js';
import { msb } from '../../src/protocols/msb.js';
import { dealtAnd, dealtAndBytes, pairToReplicated } from '../../src/protocols/dealt-and.js';
import { compareMany, lessThan, greaterThan, lessThanP, greaterThanP } from '../../src/protocols/compare.js';
import { bShare } from '../../src/protocols/share.js';
import type { BShare } from '../../src/protocols/share.js';
import type { Party } from '../../src/protocols/context.js';
import { Prg } from '../../src/ring/prg.js';
import { EDGE, randomRing, randomSigned, revealBits, run3, signed } from './harness.js';

/** XOR-share words from a client split, and reveal them. */
function bShareOf(p: Party, x: BigUint64Array, seed: number): BShare {
  const prg = new Prg(new Uint8Array(16).fill(seed));
  const r0 = prg.ring(x.length);
  const r1 = prg.ring(x.length);
  const r2 = BigUint64Array.from(x, (v, i) => v ^ r0[i] ^ r1[i]);
  const parts = [r0, r1, r2];
  return bShare([x.length], parts[p.id], parts[(p.id + 1) % 3]);
}

async function revealWords(p: Party, b: BShare): Promise<BigUint64Array> {
  p.comm.sendU64(p.comm.next, 'test/rw', b.s0);
  const m = await p.comm.recvU64(p.comm.prev, 'test/rw', b.s0.length);
  return BigUint64Array.from(b.s0, (v, i) => v ^ b.s1[i] ^ m[i]);
}

const x = new BigUint64Array([...EDGE, ...randomRing(2000, 31)]);
const y = new BigUint64Array([...EDGE.slice().reverse(), ...randomRing(2000, 32)]);

describe('boolean sharing', () => {
  it('xorBB, notB, andBB are exact on 64-bit words', async () => {
    const { results } = await runLocal(async (p) => {
      const a = bShareOf(p, x, 1);
      const b = bShareOf(p, y, 2);
      return { xor: await revealWords(p, xorBB(p, a, b)), not: await revealWords(p, notB(p, a)), and: await revealWords(p, await andBB(p, a, b)) };
    });
    for (const r of results) {
      expect(r.xor).toEqual(BigUint64Array.from(x, (v, i) => v ^ y[i]));
      expect(r.not).toEqual(BigUint64Array.from(x, (v) => BigInt.asUintN(64, ~v)));
      expect(r.and).toEqual(BigUint64Array.from(x, (v, i) => v & y[i]));
    }
  });

  it('a2b gives the exact bits of every value', async () => {
    const { results } = await run3([{ data: x, shape: [x.length] }], async (p, [a]) => revealWords(p, await a2b(p, a)));
    for (const r of results) expect(r).toEqual(x);
  });
});

describe('msb and comparisons', () => {
  for (const radix of [4, 8] as const) {
    it(`msb (radix-${radix} carry tree) is the exact sign bit, including 0, ±1, 2^63, 2^64−1 and odd lengths`, async () => {
      for (const len of [1, 63, 64, 65, x.length]) {
        const v = x.subarray(0, len);
        const { results } = await run3([{ data: v, shape: [len] }], async (p, [a]) => revealBits(p, await msb(p, a, radix)), len);
        for (const r of results) expect(Array.from(r)).toEqual(Array.from(v, (w) => Number(w >> 63n)));
      }
    });
  }

  it('lessThan / greaterThan (shared and public) and a batched compareMany are exact within |x − y| < 2^63', async () => {
    const a = randomSigned(1500, 50, 41);
    const b = new BigUint64Array([...a.subarray(0, 100), ...randomSigned(1400, 50, 42)]); // ties included
    const c = 1234567n;
    const { results } = await run3([{ data: a, shape: [1500] }, { data: b, shape: [1500] }], async (p, [A, B]) => {
      const [m1, m2, m3] = await compareMany(p, [
        { x: A, op: 'lt', y: B },
        { x: A, op: 'gt', y: c },
        { x: B, op: 'lt', y: -c },
      ]);
      return {
        lt: await revealBits(p, await lessThan(p, A, B)),
        gt: await revealBits(p, await greaterThan(p, A, B)),
        ltp: await revealBits(p, await lessThanP(p, A, c)),
        gtp: await revealBits(p, await greaterThanP(p, A, -c)),
        m1: await revealBits(p, m1),
        m2: await revealBits(p, m2),
        m3: await revealBits(p, m3),
      };
    });
    const r = results[0];
    const as = Array.from(a, signed);
    const bs = Array.from(b, signed);
    expect(Array.from(r.lt)).toEqual(as.map((v, i) => Number(v < bs[i])));
    expect(Array.from(r.gt)).toEqual(as.map((v, i) => Number(v > bs[i])));
    expect(Array.from(r.ltp)).toEqual(as.map((v) => Number(v < c)));
    expect(Array.from(r.gtp)).toEqual(as.map((v) => Number(v > -c)));
    expect(Array.from(r.m1)).toEqual(as.map((v, i) => Number(v < bs[i])));
    expect(Array.from(r.m2)).toEqual(as.map((v) => Number(v > c)));
    expect(Array.from(r.m3)).toEqual(bs.map((v) => Number(v < -c)));
  });
});

describe('dealt many-input AND (P0 deals, P1 and P2 evaluate)', () => {
  it('every output equals the XOR of its products on random planes, for products of 1..6 wires', async () => {
    const W = 3;
    const nWires = 9;
    const plain = randomRing(nWires * W, 41);
    // P1/P2 halves of each wire from a client split
    const half1 = randomRing(nWires * W, 42);
    const half2 = BigUint64Array.from(plain, (v, i) => v ^ half1[i]);
    const circuit = [
      [[0], [1, 2], [3, 4, 5]],
      [[8, 7, 6, 5, 4, 3]],
      [[2, 4], [4, 2, 6], [0, 1, 2, 3]],
      [[5]],
    ];
    const { results } = await runLocal(async (p) => {
      const mine = p.id === 0 ? null : p.id === 1 ? half1 : half2;
      const out = await dealtAnd(p, mine, W, circuit, 't');
      const r = await pairToReplicated(p, out, circuit.length * W, 't/out');
      return revealWords(p, bShare([circuit.length * W], r.s0, r.s1));
    });
    const plane = (i: number) => plain.subarray(i * W, (i + 1) * W);
    const want = new BigUint64Array(circuit.length * W);
    circuit.forEach((products, o) => {
      for (const prod of products) {
        for (let e = 0; e < W; e++) want[o * W + e] ^= prod.reduce((acc, i) => acc & plane(i)[e], (1n << 64n) - 1n);
      }
    });
    for (const r of results) expect(r).toEqual(want);
  });

  it('declares its bytes: 16·W per opened wire online, 8·W per dealt set offline; measured = declared, 1 round', async () => {
    const circuit = [[[0, 1, 2, 3]], [[4]]];
    expect(dealtAndBytes(circuit, 5)).toEqual({ online: 2 * 8 * 5 * 4, offline: 8 * 5 * 11 });
    const W = 5;
    const wires = randomRing(5 * W, 43);
    const { cost } = await runLocal(async (p) => {
      await p.meter.scope('dealt', () => dealtAnd(p, p.id === 0 ? null : wires, W, circuit, 'd'));
    });
    const m = cost.ops.dealt;
    expect({ rounds: m.rounds, online: m.bytesTotal, offline: m.offlineBytesTotal }).toEqual({ rounds: 1, ...dealtAndBytes(circuit, W) });
  });
});
