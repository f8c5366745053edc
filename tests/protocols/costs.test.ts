/**
 * Every protocol op's measured cost (bytes summed over the parties, rounds on the critical path)
 * must equal its declaration: an accidental extra round or message fails here.
 */
import { describe, expect, it } from 'vitest';
import type { OpCost, Party } from '../../src/protocols/context.js';
import type { AShare } from '../../src/protocols/share.js';
import { mulAA, mulAACost, matmulAA, matmulAACost } from '../../src/protocols/arith.js';
import { truncA, truncACost } from '../../src/protocols/trunc.js';
import { fMul, fMulCost, fMatmul, fMatmulCost } from '../../src/protocols/fixed.js';
import { revealAll, revealAllCost, revealTo, revealToCost, shareInput, shareInputCost } from '../../src/protocols/io.js';
import { msb, msbAdditive, msbAdditiveCost, msbCost } from '../../src/protocols/msb.js';
import { a2b, a2bCost } from '../../src/protocols/a2b.js';
import { mulA1B, mulA1BAdditive, mulA1BAdditiveCost, mulA1BCost } from '../../src/protocols/bitmul.js';
import { andBB, andBBCost } from '../../src/protocols/bool.js';
import { maxLast, argmaxLast, maxCost } from '../../src/protocols/max.js';
import { compareMany, compareCost } from '../../src/protocols/compare.js';
import { bShare } from '../../src/protocols/share.js';
import { withTruncRounds } from '../../src/protocols/context.js';
import { truncAdditive, truncAdditiveCost } from '../../src/protocols/trunc.js';
import { mulLocal } from '../../src/protocols/arith.js';
import { TRUNC_TUPLE_OFFLINE_ROUNDS } from '../../src/protocols/trunc-tuple.js';
import { barrier, randomRing, randomSigned, run3 } from './harness.js';

async function measure(label: string, inputs: { data: BigUint64Array; shape: number[] }[], op: (p: Party, xs: AShare[]) => Promise<unknown>) {
  const { cost } = await run3(inputs, async (p, xs) => {
    await barrier(p);
    await op(p, xs);
  });
  const m = cost.ops[label];
  expect(m, `no meter record for '${label}'`).toBeDefined();
  return m;
}

function expectCost(m: { rounds: number; bytesTotal: number; offlineBytesTotal: number }, declared: OpCost) {
  expect({ rounds: m.rounds, bytesTotal: m.bytesTotal, offlineBytesTotal: m.offlineBytesTotal }).toEqual({ offlineBytesTotal: 0, ...declared });
}

describe('declared cost = measured cost', () => {
  for (const n of [1, 100, 1000]) {
    const x = { data: randomSigned(n, 50, n), shape: [n] };
    const y = { data: randomSigned(n, 50, n + 1), shape: [n] };
    it(`n=${n}: mulAA, truncA, fMul, reveal, revealTo, shareInput, msb, a2b, mulA1B, mulA1BAdditive, andBB, compareMany`, async () => {
      expectCost(await measure('mulAA', [x, y], (p, [a, b]) => mulAA(p, a, b)), mulAACost(n));
      expectCost(await measure('truncA', [x], (p, [a]) => truncA(p, a)), truncACost(n));
      expectCost(await measure('fMul', [x, y], (p, [a, b]) => fMul(p, a, b)), fMulCost(n));
      expectCost(await measure('reveal', [x], (p, [a]) => revealAll(p, a)), revealAllCost(n));
      expectCost(await measure('revealTo', [x], (p, [a]) => revealTo(p, a, 1)), revealToCost(n));
      expectCost(await measure('shareInput', [], (p) => shareInput(p, 2, p.id === 2 ? x.data : null, [n])), shareInputCost(n));
      expectCost(await measure('msb', [x], (p, [a]) => msb(p, a)), msbCost(n));
      expectCost(await measure('msb', [x], (p, [a]) => msb(p, a, 8)), msbCost(n, 8));
      expectCost(await measure('msb', [x, y], (p, [a, b]) => msbAdditive(p, mulLocal(p, a, b), 'z')), msbAdditiveCost(n));
      expectCost(await measure('a2b', [x], (p, [a]) => a2b(p, a)), a2bCost(n));
      expectCost(await measure('mulA1B', [x, y], async (p, [a, b]) => mulA1B(p, await msb(p, a), b)), mulA1BCost(n));
      expectCost(await measure('mulA1BAdditive', [x, y], async (p, [a, b]) => mulA1BAdditive(p, await msb(p, a), b)), mulA1BAdditiveCost(n));
      expectCost(await measure('andBB', [x, y], (p, [a, b]) => andBB(p, bShare([n], a.s0, a.s1), bShare([n], b.s0, b.s1))), andBBCost(n));
      expectCost(await measure('compare', [x, y], (p, [a, b]) => compareMany(p, [{ x: a, op: 'lt', y: b }, { x: b, op: 'gt', y: 5n }])), compareCost(2 * n));
    });
  }

  for (const n of [1, 100, 1000]) {
    const x = { data: randomSigned(n, 50, n), shape: [n] };
    const y = { data: randomSigned(n, 20, n + 1), shape: [n] };
    it(`n=${n}: 1-round truncA, truncAdditive, fMul (online 1 round; offline bytes and rounds of the tuples)`, async () => {
      const one = (op: (p: Party, xs: AShare[]) => Promise<unknown>) => (p: Party, xs: AShare[]) => withTruncRounds(p, 1, () => op(p, xs));
      expectCost(await measure('truncA', [x], one((p, [a]) => truncA(p, a))), truncACost(n, 1));
      expectCost(await measure('fMul', [x, y], one((p, [a, b]) => fMul(p, a, b))), fMulCost(n, 1));
      expectCost(await measure('add', [x, y], one((p, [a, b]) => p.meter.scope('add', () => truncAdditive(p, mulLocal(p, a, b), [n], 18, 'add')))), truncAdditiveCost(n, 1));
      expectCost(await measure('truncA', [x], one((p, [a]) => truncA(p, a, 40))), truncACost(n, 1, 40)); // 64-bit tuple words (d ≥ 32)
      expect(truncACost(n, 1)).toMatchObject({ rounds: 1, bytesTotal: 24 * n });
      expect(truncAdditiveCost(n, 1)).toMatchObject({ rounds: 1, bytesTotal: 48 * n });
      // offline rounds: the Lamport depth over offline frames, from 0 (the barrier is online)
      const { meters } = await run3([x], async (p, [a]) => {
        await barrier(p);
        await withTruncRounds(p, 1, () => truncA(p, a));
      });
      expect(Math.max(...meters.map((m) => m.offlineDepth))).toBe(TRUNC_TUPLE_OFFLINE_ROUNDS);
    });
  }

  it('matmulAA and fMatmul: one element per output, 1 and 2 rounds', async () => {
    const a = { data: randomSigned(6 * 10, 30, 1), shape: [6, 10] };
    const b = { data: randomSigned(10 * 4, 30, 2), shape: [10, 4] };
    expectCost(await measure('matmulAA', [a, b], (p, [A, B]) => matmulAA(p, A, B)), matmulAACost(24));
    expectCost(await measure('fMatmul', [a, b], (p, [A, B]) => fMatmul(p, A, B)), fMatmulCost(24));
    expectCost(await measure('fMatmul', [a, b], (p, [A, B]) => withTruncRounds(p, 1, () => fMatmul(p, A, B))), fMatmulCost(24, 1));
  });

  it('max and argmax trees', async () => {
    const v = { data: randomSigned(5 * 13, 40, 3), shape: [5, 13] };
    // bytes exact; rounds: the declared sum, less at most one per level boundary (see raggedMaxCost)
    for (const [label, declared] of [['max', maxCost(5, 13)], ['argmax', maxCost(5, 13, true)]] as const) {
      const m = await measure(label, [v], (p, [X]) => (label === 'max' ? maxLast(p, X) : argmaxLast(p, X)));
      expect({ bytesTotal: m.bytesTotal, offlineBytesTotal: m.offlineBytesTotal }).toEqual({ bytesTotal: declared.bytesTotal, offlineBytesTotal: declared.offlineBytesTotal });
      expect(m.rounds).toBeLessThanOrEqual(declared.rounds);
      expect(m.rounds).toBeGreaterThanOrEqual(declared.rounds - 3); // 13 columns: 4 binary levels
    }
  });

  it("meets the design's budgets: mulAA 1 round / 8 B, truncA ≤ 2 rounds, msb ≤ 8 rounds / ≤ 32 B per element per party", () => {
    const n = 1 << 20;
    expect(mulAACost(n).rounds).toBe(1);
    expect(mulAACost(n).bytesTotal / 3 / n).toBe(8);
    expect(truncACost(n).rounds).toBeLessThanOrEqual(2);
    expect(truncACost(n, 1).rounds).toBe(1);
    expect(truncACost(n, 1).bytesTotal / n).toBe(24);
    expect(truncAdditiveCost(n, 1).bytesTotal / n).toBe(48);
    expect((truncACost(n, 1).offlineBytesTotal ?? 0) / n).toBeLessThanOrEqual(200); // ≈ 154 B per element
    expect(msbCost(n).rounds).toBeLessThanOrEqual(8);
    expect(msbCost(n).bytesTotal / 3 / n).toBeLessThanOrEqual(32);
    expect(mulA1BCost(n).rounds).toBeLessThanOrEqual(2);
    expect(mulA1BAdditiveCost(n).rounds).toBe(1);
    void randomRing;
  });
});
