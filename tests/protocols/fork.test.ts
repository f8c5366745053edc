/**
 * Forked contexts: concurrent branches on their own streams, PRSS and dealer rotation. Under
 * shuffled delivery (frames of different streams arrive in random order) the three parties must
 * agree exactly, the results must not depend on the delivery order, and the measured rounds are
 * the maximum of the branches' rounds while bytes add.
 */
import { describe, expect, it } from 'vitest';
import type { Party } from '../../src/protocols/context.js';
import { branches } from '../../src/protocols/context.js';
import { runLocal } from '../../src/protocols/local.js';
import { msb, msbCost } from '../../src/protocols/msb.js';
import { fMul, fMulCost } from '../../src/protocols/fixed.js';
import { mulA1B, mulA1BCost } from '../../src/protocols/bitmul.js';
import { revealAll, splitShares } from '../../src/protocols/io.js';
import { aShare, type AShare, type BitShare } from '../../src/protocols/share.js';
import { Prg } from '../../src/ring/prg.js';
import { randomSigned, revealBits } from './harness.js';

const n = 40;
const x = randomSigned(n, 40, 7);
const y = randomSigned(n, 30, 8);
const z = randomSigned(n, 30, 9);
const client = new Prg(new Uint8Array(16).fill(3));
const sx = splitShares(x, client);
const sy = splitShares(y, client);
const sz = splitShares(z, client);
const share = (p: Party, s: ReturnType<typeof splitShares>): AShare => aShare([n], s[p.id][0].slice(), s[p.id][1].slice());

async function program(p: Party): Promise<{ bits: Uint8Array; prod: BigUint64Array; sel: BigUint64Array; raw: BigUint64Array[] }> {
  const [b, prod, [b2, sel]] = await branches<[BitShare, AShare, [BitShare, AShare]]>(p, [
    ['sign', (q) => msb(q, share(q, sx))],
    ['product', (q) => fMul(q, share(q, sy), share(q, sz))],
    // a nested pair of forks: a comparison, then a selection with it, next to the others
    ['nested', async (q) => {
      const c = await msb(q.fork('inner-sign'), share(q, sy));
      const [t] = await branches<[AShare]>(q, [['inner-select', (r) => mulA1B(r, c, share(r, sz))]]);
      return [c, t] as [BitShare, AShare];
    }],
  ]);
  p.meter.reset();
  const raw = [b.s0, b.s1, prod.s0, prod.s1, b2.s0, sel.s0, sel.s1];
  return { bits: await revealBits(p, b), prod: await revealAll(p, prod), sel: await revealAll(p, sel), raw };
}

describe('Party.fork: concurrent branches', () => {
  it('gives exact, order-independent results at the three parties under shuffled delivery', async () => {
    const runs = [];
    for (const shuffle of [undefined, 1, 2, 3, 99]) runs.push(await runLocal(program, { seed: 'fork', ...(shuffle === undefined ? {} : { shuffle }) }));
    for (const r of runs) {
      const [r0, r1, r2] = r.results;
      expect(r1.prod).toEqual(r0.prod);
      expect(r2.sel).toEqual(r0.sel);
      for (let i = 0; i < n; i++) {
        expect(r0.bits[i]).toBe(BigInt.asIntN(64, x[i]) < 0n ? 1 : 0);
        const want = BigInt.asUintN(64, (BigInt.asIntN(64, y[i]) * BigInt.asIntN(64, z[i])) >> 18n);
        const d = BigInt.asIntN(64, r0.prod[i] - want);
        expect(d === 0n || d === 1n || d === -1n).toBe(true); // probabilistic truncation: ≤ 1 ulp
        expect(r0.sel[i]).toBe(BigInt.asIntN(64, y[i]) < 0n ? z[i] : 0n);
      }
      // shares (not just values) are identical whatever the delivery order: same PRSS, same dealers
      for (let j = 0; j < 3; j++) for (let a = 0; a < r0.raw.length; a++) expect(r.results[j].raw[a]).toEqual(runs[0].results[j].raw[a]);
    }
  });

  it('rounds are the maximum of the branches, bytes their sum', async () => {
    const { cost } = await runLocal(async (p) => {
      await branches(p, [
        ['sign', (q) => msb(q, share(q, sx))],
        ['product', (q) => fMul(q, share(q, sy), share(q, sz))],
        ['select', async (q) => mulA1B(q, await msb(q, share(q, sy)), share(q, sz))],
      ]);
    }, { seed: 'fork-cost', shuffle: 5 });
    const branchRounds = [msbCost(n).rounds, fMulCost(n).rounds, msbCost(n).rounds + mulA1BCost(n).rounds];
    expect(cost.rounds).toBe(Math.max(...branchRounds));
    expect(cost.bytesTotal).toBe(2 * msbCost(n).bytesTotal + fMulCost(n).bytesTotal + mulA1BCost(n).bytesTotal);
    expect(cost.ops['sign/msb'].rounds).toBe(msbCost(n).rounds);
    expect(cost.ops['select/mulA1B'].bytesTotal).toBe(mulA1BCost(n).bytesTotal);
  });

  it('a child context draws fresh seeds: its PRSS streams differ from the parent and from its siblings', async () => {
    const { results } = await runLocal(async (p) => {
      const a = p.fork('a');
      const b = p.fork('b');
      const aNext = a.prss.next.ring(2);
      const aPrev = a.prss.prev.ring(2);
      return [p.prss.next.ring(2), aNext, b.prss.next.ring(2), a.stream, b.stream, a.fork('c').stream, aPrev];
    }, { seed: 'fork-seeds' });
    const [par, a, b, sa, sb, sc] = results[0];
    expect(a).not.toEqual(par);
    expect(a).not.toEqual(b);
    expect([sa, sb, sc]).toEqual(['0', '1', '0.0']);
    // P0's next seed is P1's prev seed: the children's seeds agree across the pair
    expect(results[1][6]).toEqual(a);
    expect(results[0][6]).not.toEqual(a);
  });
});
