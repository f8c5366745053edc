import { describe, expect, it } from 'vitest';
import { mulA1B, mulA1BAdditive, mux, b2a } from '../../src/protocols/bitmul.js';
import { msb } from '../../src/protocols/msb.js';
import { maxLast, argmaxLast } from '../../src/protocols/max.js';
import { revealAll } from '../../src/protocols/io.js';
import { EDGE, randomRing, randomSigned, run3, signed } from './harness.js';

describe('bit × arithmetic', () => {
  it('mulA1B, mulA1BAdditive (3-of-3), mux and b2a are exact (bits from msb of random values)', async () => {
    const s = randomRing(777, 51);
    const x = new BigUint64Array([...EDGE, ...randomRing(777 - EDGE.length, 52)]);
    const y = randomRing(777, 53);
    const { results } = await run3([{ data: s, shape: [777] }, { data: x, shape: [777] }, { data: y, shape: [777] }], async (p, [S, X, Y]) => {
      const bits = await msb(p, S);
      return {
        prod: await revealAll(p, await mulA1B(p, bits, X)),
        mux: await revealAll(p, await mux(p, bits, X, Y)),
        b2a: await revealAll(p, await b2a(p, bits)),
        additive: await mulA1BAdditive(p, bits, X), // this party's 3-of-3 share
      };
    });
    for (const r of results) {
      for (let i = 0; i < 777; i++) {
        const bit = s[i] >> 63n;
        expect(r.prod[i]).toBe(bit ? x[i] : 0n);
        expect(r.mux[i]).toBe(bit ? x[i] : y[i]);
        expect(r.b2a[i]).toBe(bit);
      }
    }
    for (let i = 0; i < 777; i++) {
      const sum = BigInt.asUintN(64, results[0].additive[i] + results[1].additive[i] + results[2].additive[i]);
      expect(sum).toBe(s[i] >> 63n ? x[i] : 0n);
    }
  });
});

describe('max and argmax along the last axis', () => {
  for (const [rows, cols] of [
    [1, 1],
    [3, 2],
    [4, 7],
    [2, 64],
    [5, 33],
  ] as const) {
    it(`rows=${rows} cols=${cols}: exact max, first index of the max on ties`, async () => {
      const v = randomSigned(rows * cols, 40, rows * 100 + cols);
      if (cols > 3) v[2] = v[cols - 1]; // a tie inside row 0
      const { results } = await run3([{ data: v, shape: [rows, cols] }], async (p, [X]) => {
        const m = await maxLast(p, X);
        const am = await argmaxLast(p, X);
        return { max: await revealAll(p, m), idx: await revealAll(p, am.index), max2: await revealAll(p, am.max) };
      });
      for (let r = 0; r < rows; r++) {
        const row = Array.from(v.subarray(r * cols, (r + 1) * cols), signed);
        const best = row.reduce((a, b) => (b > a ? b : a));
        expect(signed(results[0].max[r])).toBe(best);
        expect(signed(results[0].max2[r])).toBe(best);
        expect(Number(results[0].idx[r])).toBe(row.indexOf(best));
      }
    });
  }
});
