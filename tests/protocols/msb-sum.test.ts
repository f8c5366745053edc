/**
 * msbPairOfSum: the sign of x = a + b with a held by P1 and b by P2 (a 2-of-2 additive sharing),
 * left as P1/P2's XOR halves. Exact against the plaintext sign (edge values included); the
 * measured cost equals the declaration (3 rounds, no input round).
 */
import { describe, expect, it } from 'vitest';
import { msbPairOfSum, msbPairOfSumCost } from '../../src/protocols/msb.js';
import { b2aPair } from '../../src/protocols/pair-mux.js';
import { revealAll } from '../../src/protocols/io.js';
import { barrier, EDGE, randomRing, run3, sumHalves } from './harness.js';

describe('msbPairOfSum (x = a + b, a at P1, b at P2)', () => {
  for (const n of [1, 64, 65, 500]) {
    it(`n=${n}: exact sign bits; declared cost = measured cost`, async () => {
      const x = new BigUint64Array([...EDGE, ...randomRing(n, 40 + n)].slice(0, n));
      const { results, cost } = await run3([{ data: x, shape: [n] }], async (p, [X]) => {
        const y = sumHalves(p, X);
        await barrier(p);
        const c = await msbPairOfSum(p, y, n);
        return revealAll(p, await b2aPair(p, c, n));
      });
      for (let i = 0; i < n; i++) expect(results[1][i]).toBe(x[i] >> 63n);
      const m = cost.ops['msb'];
      expect({ rounds: m.rounds, bytesTotal: m.bytesTotal, offlineBytesTotal: m.offlineBytesTotal }).toEqual(msbPairOfSumCost(n));
    });
  }

  it('rejects an evaluator without its addends', async () => {
    await expect(run3([{ data: randomRing(3, 1), shape: [3] }], (p) => msbPairOfSum(p, p.id === 0 ? null : new BigUint64Array(2), 3))).rejects.toThrow(/addends/);
  });
});
