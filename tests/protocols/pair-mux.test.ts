/**
 * mulA1BPair / mulA1BPairAdditive: bits held as P1/P2's 2-of-2 XOR pair times replicated values.
 * Exact in the ring (bits from msbPair of random values and from replicated bit shares made a
 * pair locally), several values per bit vector, lengths across word boundaries; the measured cost
 * equals the declaration.
 */
import { describe, expect, it } from 'vitest';
import type { Party } from '../../src/protocols/context.js';
import { msb, msbPair } from '../../src/protocols/msb.js';
import { b2aPair, b2aPairCost, mulA1BPair, mulA1BPairAdditive, mulA1BPairAdditiveCost, mulA1BPairCost } from '../../src/protocols/pair-mux.js';
import { revealAll } from '../../src/protocols/io.js';
import type { AShare } from '../../src/protocols/share.js';
import { barrier, EDGE, randomRing, run3 } from './harness.js';
import type { Channel, PartyId } from '../../src/protocols/channel.js';
import { makeLocalParties, runOn } from '../../src/protocols/local.js';
import { splitShares } from '../../src/protocols/io.js';
import { Prg } from '../../src/ring/prg.js';
import { aShare, words } from '../../src/protocols/share.js';

describe('mulA1BPair (bits as P1/P2 XOR halves)', () => {
  for (const n of [1, 63, 64, 65, 777]) {
    it(`n=${n}: replicated and additive outputs are exact, two values per bit vector`, async () => {
      const s = randomRing(n, 71 + n);
      const x = new BigUint64Array([...EDGE, ...randomRing(n, 72)].slice(0, n));
      const y = randomRing(n, 73 + n);
      const { results } = await run3([{ data: s, shape: [n] }, { data: x, shape: [n] }, { data: y, shape: [n] }], async (p, [S, X, Y]) => {
        const c = await msbPair(p, S);
        const [px, py] = await mulA1BPair(p, c, n, [X, Y]);
        const add = await mulA1BPairAdditive(p, await msbPair(p, S), n, [X]);
        return { px: await revealAll(p, px), py: await revealAll(p, py), add: add[0], shape: px.shape };
      });
      for (const r of results) {
        expect(r.shape).toEqual([n]);
        for (let i = 0; i < n; i++) {
          const bit = s[i] >> 63n;
          expect(r.px[i]).toBe(bit ? x[i] : 0n);
          expect(r.py[i]).toBe(bit ? y[i] : 0n);
        }
      }
      expect(results[0].add.every((v) => v === 0n)).toBe(true); // P0 holds 0
      for (let i = 0; i < n; i++) {
        const sum = BigInt.asUintN(64, results[1].add[i] + results[2].add[i]);
        expect(sum).toBe(s[i] >> 63n ? x[i] : 0n);
      }
    });
  }

  it('bits from a replicated bit share made a pair locally (P1: b₁ ⊕ b₂, P2: b₀)', async () => {
    const n = 100;
    const s = randomRing(n, 91);
    const x = randomRing(n, 92);
    const { results } = await run3([{ data: s, shape: [n] }, { data: x, shape: [n] }], async (p, [S, X]) => {
      const b = await msb(p, S); // replicated bits: party i holds (b_i, b_{i+1})
      const c = p.id === 0 ? null : p.id === 1 ? b.s0.map((w, e) => w ^ b.s1[e]) : b.s1.slice();
      return revealAll(p, (await mulA1BPair(p, c, n, [X]))[0]);
    });
    for (let i = 0; i < n; i++) expect(results[0][i]).toBe(s[i] >> 63n ? x[i] : 0n);
  });

  it('rejects a half of the wrong length and values of another length', async () => {
    const n = 10;
    const x = randomRing(n, 5);
    const bad = async (p: Party, X: AShare) => mulA1BPair(p, p.id === 0 ? null : new BigUint64Array(2), n, [X]);
    await expect(run3([{ data: x, shape: [n] }], (p, [X]) => bad(p, X))).rejects.toThrow(/words/);
    await expect(run3([{ data: x, shape: [n] }], (p, [X]) => mulA1BPair(p, p.id === 0 ? null : new BigUint64Array(1), 9, [X]))).rejects.toThrow(/9 elements/);
  });

  for (const n of [1, 100, 1000]) {
    it(`n=${n}: declared cost = measured cost (one and two values)`, async () => {
      const s = randomRing(n, 3);
      const x = randomRing(n, 4);
      for (const count of [1, 2]) {
        for (const additive of [false, true]) {
          const label = 'mulA1BPair';
          const { cost } = await run3([{ data: s, shape: [n] }, { data: x, shape: [n] }], async (p, [S, X]) => {
            const c = await msbPair(p, S);
            await barrier(p);
            const xs = Array.from({ length: count }, () => X);
            if (additive) await mulA1BPairAdditive(p, c, n, xs);
            else await mulA1BPair(p, c, n, xs);
          });
          const m = cost.ops[label];
          const declared = additive ? mulA1BPairAdditiveCost(n, count) : mulA1BPairCost(n, count);
          expect({ rounds: m.rounds, bytesTotal: m.bytesTotal, offlineBytesTotal: m.offlineBytesTotal }).toEqual(declared);
        }
      }
    });
  }

  for (const n of [1, 64, 777]) {
    it(`n=${n}: b2aPair gives the bits as replicated ring 0/1, exactly; declared cost = measured`, async () => {
      const sv = randomRing(n, 11 + n);
      const { results, cost } = await run3([{ data: sv, shape: [n] }], async (p, [S]) => {
        const c = await msbPair(p, S);
        await barrier(p);
        return revealAll(p, await b2aPair(p, c, n));
      });
      for (let i = 0; i < n; i++) expect(results[2][i]).toBe(sv[i] >> 63n);
      const m = cost.ops['b2aPair'];
      expect({ rounds: m.rounds, bytesTotal: m.bytesTotal, offlineBytesTotal: m.offlineBytesTotal }).toEqual({ offlineBytesTotal: 0, ...b2aPairCost(n) });
    });
  }
});

/**
 * A leak the view harness cannot see (it tests linear relations only): P2 receives R² = r − R¹
 * (dealt) and P0's cross terms Q − m with Q = R¹·x₀ + R²·x₁. Without the mask m, P2 could compute
 * Q − R²·(x₁ − x₀) = r·x₀ ∈ {0, x₀} and so solve for x₁, the share it must never learn. Here the
 * test knows x₁ and checks that this value is never 0 or x₀ at any element (with m it is uniform).
 */
describe('mulA1BPair: P2 cannot unmask the cross terms', () => {
  it('Q − m − R²·(x₁ − x₀) is uniform, not r·x₀ (fails if P0 drops the mask m)', async () => {
    const n = 256;
    const x = randomRing(n, 7);
    const [, sh1, sh2] = splitShares(x, new Prg(new Uint8Array(16).fill(9)));
    const x1 = sh1[0]; // party 1 holds (x₁, x₂)
    const x0 = sh2[1]; // party 2 holds (x₂, x₀)
    const got: Record<string, BigUint64Array> = {};
    const record = (c: Channel, id: PartyId): Channel =>
      id !== 2
        ? c
        : {
            ...c,
            self: c.self,
            send: (dst, f) => c.send(dst, f),
            abort: (e) => c.abort(e),
            async recv(src, stream) {
              const f = await c.recv(src, stream);
              if (f.dtype === 'u64') got[f.tag] = new BigUint64Array(f.bytes.slice().buffer);
              return f;
            },
          };
    const { parties, hub } = makeLocalParties({ seed: 'pair-mux-attack', wrapChannel: record });
    await runOn(parties, hub, async (p) => {
      const sh = [splitShares(x, new Prg(new Uint8Array(16).fill(9)))[0], sh1, sh2][p.id];
      const X = aShare([n], sh[0], sh[1]);
      const c = p.id === 0 ? null : new BigUint64Array(words(n)).fill(p.id === 1 ? 0x5555n : 0x0f0fn);
      return mulA1BPair(p, c, n, [X], 'attack');
    });
    const R2 = got['attack/deal'];
    const Q = got['attack/q'];
    expect(R2?.length).toBe(n);
    expect(Q?.length).toBe(n);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const t = BigInt.asUintN(64, Q[i] - R2[i] * BigInt.asUintN(64, x1[i] - x0[i]));
      if (t === 0n || t === x0[i]) hits++;
    }
    expect(hits).toBe(0);
  });
});
