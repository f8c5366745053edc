/**
 * The grouped tournament behind softmax's row max: exact maxima for every group size, ragged
 * rows and ties; measured bytes = declared, rounds within the declared bound; larger groups take
 * fewer rounds.
 */
import { describe, expect, it } from 'vitest';
import { raggedArgmax, raggedMax, raggedMaxCost } from '../../src/protocols/max.js';
import { planLevel, planRaggedMax } from '../../src/protocols/max-plan.js';
import { shlA } from '../../src/protocols/arith.js';
import { concatA } from '../../src/protocols/share.js';
import { onGrid, run } from '../approx/_harness.js';

describe('raggedMax (grouped tournament)', () => {
  const lens = [1, 2, 3, 5, 8, 16, 17, 33, 64, 100];
  const N = lens.reduce((a, b) => a + b, 0);
  const x = onGrid(Array.from({ length: N }, (_, i) => Math.round(Math.sin(i * 12.9898) * 43758.5453) % 40 / 3)); // many ties
  const want: number[] = [];
  let o = 0;
  for (const l of lens) {
    want.push(Math.max(...x.subarray(o, o + l)));
    o += l;
  }

  for (const arity of [2, 3, 4, 8, 16, 64]) {
    it(`maxArity ${arity}: exact row maxima; bytes = declared, rounds within the declared bound`, async () => {
      const r = await run([{ data: x, shape: [N] }], (p, [X]) => raggedMax(p, X, lens, arity), `rm-${arity}`);
      expect(Array.from(r.y)).toEqual(want);
      const declared = raggedMaxCost(lens, arity);
      const m = r.cost.ops.max;
      expect(m.bytesTotal).toBe(declared.bytesTotal);
      expect(m.offlineBytesTotal).toBe(declared.offlineBytesTotal);
      // The declaration adds up its steps; a level's msb may start one round early where the
      // previous level's mux left a party idle (the Lamport depth measures the critical path).
      const levels = planRaggedMax(lens, arity).length;
      expect(m.rounds).toBeLessThanOrEqual(declared.rounds);
      expect(m.rounds).toBeGreaterThanOrEqual(declared.rounds - (levels - 1));
    });
  }

  it('rounds: 4 per binary level + 2 (the maxima handed on as additive halves, compared by msbPairOfSum); groups cut the depth (rows up to 100 long)', () => {
    expect(raggedMaxCost(lens, 2).rounds).toBe(4 * 7 + 2);
    expect(raggedMaxCost(lens, 16).rounds).toBeLessThan(raggedMaxCost(lens, 2).rounds / 2);
    expect(planRaggedMax([33], 16).map((l) => l.groups[0])).toEqual([[6, 6, 6, 6, 6, 3], [6]]);
    expect(() => planRaggedMax([3], 1)).toThrow(/maxArity/);
  });

  it('plans are kept per (lengths, arity) and shared: the same shape gets the same plan object', () => {
    const a = planRaggedMax([33, 5], 16);
    expect(planRaggedMax([33, 5], 16)).toBe(a);
    expect(planRaggedMax([33, 5], 8)).not.toBe(a);
    expect(planRaggedMax([33, 5], 8)[0].groups[0]).toEqual([6, 6, 6, 6, 6, 3]); // arity 8 over 2 levels: groups of 6 (6² ≥ 33)
    expect(planRaggedMax([33, 6], 16)).not.toBe(a);
    expect(planLevel(a[0])).toBe(planLevel(a[0]));
    expect(Array.from(planLevel(a[0]).cmpA).length).toBe(a[0].comparisons);
  });
});

describe('raggedArgmax', () => {
  const lens = [1, 4, 7, 16, 40];
  const N = lens.reduce((a, b) => a + b, 0);
  const x = onGrid(Array.from({ length: N }, (_, i) => (Math.round(Math.cos(i * 7.1) * 9) / 2)));
  for (const arity of [2, 5, 16]) {
    it(`maxArity ${arity}: index of the first maximal entry and the max, exactly`, async () => {
      const r = await run([{ data: x, shape: [N] }], async (p, [X]) => {
        const { max, index } = await raggedArgmax(p, X, lens, arity);
        return concatA([max, shlA(p, index, p.cfg.fracBits)]);
      }, `ram-${arity}`);
      let o = 0;
      lens.forEach((l, row) => {
        const seg = Array.from(x.subarray(o, o + l));
        const m = Math.max(...seg);
        expect(r.y[row]).toBe(m);
        expect(r.y[lens.length + row]).toBe(seg.indexOf(m));
        o += l;
      });
      expect(r.cost.ops.argmax.bytesTotal).toBe(raggedMaxCost(lens, arity, true).bytesTotal);
    });
  }
});
