import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runLocal } from '../../src/protocols/local.js';
import { shareInput, revealAll, revealTo, splitShares } from '../../src/protocols/io.js';
import { aShare } from '../../src/protocols/share.js';
import { Prg } from '../../src/ring/prg.js';
import { EDGE, randomRing } from './harness.js';

describe('share / reveal', () => {
  it('reveal(shareInput(x)) = x for every owner, random and edge values', async () => {
    const x = new BigUint64Array([...EDGE, ...randomRing(1000, 3)]);
    for (const owner of [0, 1, 2] as const) {
      const { results } = await runLocal(async (p) => revealAll(p, await shareInput(p, owner, p.id === owner ? x : null, [x.length])), { seed: owner });
      for (const r of results) expect(r).toEqual(x);
    }
  });

  it('property: any vector reconstructs exactly, from an owner or from a client split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 }), async (vals, owner) => {
        const x = BigUint64Array.from(vals);
        const { results } = await runLocal(async (p) => revealAll(p, await shareInput(p, owner as 0 | 1 | 2, p.id === owner ? x : null, [x.length])));
        for (const r of results) expect(r).toEqual(x);
        const parts = splitShares(x, Prg.random());
        const { results: r2 } = await runLocal(async (p) => revealAll(p, aShare([x.length], parts[p.id][0], parts[p.id][1])));
        for (const r of r2) expect(r).toEqual(x);
      }),
      { numRuns: 30 },
    );
  });

  it('revealTo gives the value to one party only', async () => {
    const x = randomRing(50, 9);
    const { results } = await runLocal(async (p) => revealTo(p, await shareInput(p, 1, p.id === 1 ? x : null, [50]), 2));
    expect(results[0]).toBeNull();
    expect(results[1]).toBeNull();
    expect(results[2]).toEqual(x);
  });

  it("one party's view of a sharing is uniform and independent of the secret", async () => {
    // Party 2 never sees the owner's message; party 1 sees x − F(seed it lacks). For two very
    // different secrets, each bit of each share a party holds must be 1 about half the time.
    const n = 1 << 15;
    const secrets = [new BigUint64Array(n), new BigUint64Array(n).fill((1n << 64n) - 1n)];
    const freqs: number[][] = [];
    for (const secret of secrets) {
      const { results } = await runLocal(async (p) => {
        const s = await shareInput(p, 0, p.id === 0 ? secret : null, [n]);
        return p.id === 1 ? s.s0 : p.id === 2 ? s.s1 : null;
      });
      for (const view of [results[1]!, results[2]!]) {
        const ones = new Array<number>(64).fill(0);
        for (const w of view) for (let b = 0; b < 64; b++) ones[b] += Number((w >> BigInt(b)) & 1n);
        freqs.push(ones.map((c) => c / n));
      }
    }
    // 64 bit positions × 4 views, each a Binomial(n, 1/2) frequency: sd = 0.5/sqrt(n) ≈ 0.0028;
    // 6 sd ≈ 0.017 bounds every one of the 256 frequencies with overwhelming probability.
    for (const f of freqs) for (const v of f) expect(Math.abs(v - 0.5)).toBeLessThan(0.017);
    // Views of the two secrets agree bit by bit as distributions.
    for (let b = 0; b < 64; b++) expect(Math.abs(freqs[0][b] - freqs[2][b])).toBeLessThan(0.025);
  });
});
