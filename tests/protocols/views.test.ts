/**
 * View simulation for every protocol op in src/protocols (harness and statistics:
 * tests/protocols/_views.ts). Inputs are split by an outside client; for each party, everything it
 * knows is fixed and only what it cannot see varies; its received frames must not tell two
 * secrets apart. The pinned pre-fix mulA1B must FAIL the same test at P2.
 * The 1-round truncation cases include its tuple generation: the offline frames (msb, b2a,
 * reshare, on the offline context's own stream) are received frames like any other.
 */
import { describe, expect, it } from 'vitest';
import type { Party } from '../../src/protocols/context.js';
import type { AShare, BitShare } from '../../src/protocols/share.js';
import { mulAA, matmulAA, matmulLocal, mulLocal } from '../../src/protocols/arith.js';
import { truncA, truncAdditive } from '../../src/protocols/trunc.js';
import { fMul, fMatmul } from '../../src/protocols/fixed.js';
import { andBits } from '../../src/protocols/bool.js';
import { a2b } from '../../src/protocols/a2b.js';
import { msb, msbAdditive, msbPair, msbPairOf, msbPairOfSum, splitAdditive } from '../../src/protocols/msb.js';
import { raggedMaxEarly } from '../../src/protocols/max-early.js';
import { enableTuplePool } from '../../src/protocols/tuple-pool.js';
import { dealtAnd, pairToReplicated } from '../../src/protocols/dealt-and.js';
import { compareMany, lessThan } from '../../src/protocols/compare.js';
import { b2a, mulA1B, mulA1BAdditive, mux } from '../../src/protocols/bitmul.js';
import { argmaxLast, maxLast } from '../../src/protocols/max.js';
import { b2aPair, mulA1BPair, mulA1BPairAdditive } from '../../src/protocols/pair-mux.js';
import { revealAll, revealTo, shareInput } from '../../src/protocols/io.js';
import { withTruncRounds } from '../../src/protocols/context.js';
import { leakyMulA1B } from './_leaky-mul-a1b.js';
import { sumHalves } from './harness.js';
import { leakyOpenAdditive } from './_leaky-trunc1.js';
import { ALPHA, relationPValue, viewTest, type SecretInput, type ViewCase } from './_views.js';

const F = 18;
const fx = (v: number[]): BigUint64Array => BigUint64Array.from(v.map((x) => BigInt.asUintN(64, BigInt(Math.round(x * 2 ** F)))));
const A = (shape: number[], a: number[], b: number[]): SecretInput => ({ kind: 'A', shape, a: fx(a), b: fx(b) });
const bits = (a: number[], b: number[]): SecretInput => ({ kind: 'bits', n: a.length, a: Uint8Array.from(a), b: Uint8Array.from(b) });
const a = (xs: (AShare | BitShare)[], i: number): AShare => xs[i] as AShare;
const bt = (xs: (AShare | BitShare)[], i: number): BitShare => xs[i] as BitShare;

const X4 = A([4], [1.5, -2.25, 3, -0.5], [-7, 0.125, 2, 5.5]);
const Y4 = A([4], [0.5, 4, -1, 2], [3, -3, 0.75, -6]);
const B4 = bits([1, 0, 1, 1], [0, 1, 0, 0]);

/** A replicated bit share as P1/P2's XOR halves (P1: b₁ ⊕ b₂, P2: b₀; P0: null), locally. */
const pairOf = (p: Party, b: BitShare): BigUint64Array | null => (p.id === 0 ? null : p.id === 1 ? b.s0.map((w, e) => w ^ b.s1[e]) : b.s1.slice());

/**
 * Replicated bit shares → P1/P2's 2-of-2 halves (P1: c1 ⊕ c2, P2: c0; P0 none), a dealt radix-4
 * carry group and a 2-input AND in one round, back to replicated shares.
 */
async function dealtGroup(p: Party, xs: (AShare | BitShare)[]): Promise<BitShare[]> {
  const ins = xs.map((x) => x as BitShare);
  let wires: BigUint64Array | null = null;
  if (p.id !== 0) {
    wires = new BigUint64Array(ins.length);
    ins.forEach((b, i) => (wires![i] = p.id === 1 ? b.s0[0] ^ b.s1[0] : b.s1[0]));
  }
  const circuit = [[[3], [2, 3], [1, 2, 3], [0, 1, 2, 3]], [[0, 1]], [[0, 3]]];
  const out = await dealtAnd(p, wires, 1, circuit, 'dealt');
  const res: BitShare[] = [];
  for (let o = 0; o < circuit.length; o++) {
    const r = await pairToReplicated(p, out ? out.subarray(o, o + 1) : null, 1, `dealt/out${o}`);
    res.push({ ...ins[0], s0: r.s0, s1: r.s1 });
  }
  return res;
}

/**
 * mulA1BAdditive then truncAdditive, three times (every dealer role), as src/approx uses it
 * (highbit.ts weighTimes into an Acc): with `remask` a fresh zero-sharing is added first
 * (Acc.done()); without it the dealer's share goes out as the OT left it.
 */
function additiveIntoTrunc(remask: boolean) {
  return async (p: Party, xs: (AShare | BitShare)[]) => {
    const outs: AShare[] = [];
    for (let r = 0; r < 3; r++) {
      const z = await mulA1BAdditive(p, bt(xs, 0), a(xs, 1));
      if (remask) p.k.add(z, z, p.prss.zero(z.length));
      outs.push(await truncAdditive(p, z, [z.length], F, 'additive'));
    }
    return outs;
  };
}

/** The 1-round truncation: tuple generation (offline frames on its own stream) and the opening. */
const round1 = (f: (p: Party, xs: (AShare | BitShare)[]) => Promise<unknown>) => (p: Party, xs: (AShare | BitShare)[]) => withTruncRounds(p, 1, () => f(p, xs));

const CASES: ViewCase[] = [
  // 1-round truncation: every party receives offline tuple frames (msb, b2a, reshare) and online c components
  { name: '1-round truncA (replicated input; tuple generation + opening to all)', inputs: [X4], program: round1((p, xs) => truncA(p, a(xs, 0))) },
  { name: '1-round truncA, d = 40', inputs: [X4], program: round1((p, xs) => truncA(p, a(xs, 0), 40)) },
  // the tuple pool: the second phase of a kind takes tuples made at its start for the claims the first recorded
  {
    name: '1-round truncA twice, the second from the tuple pool',
    inputs: [X4],
    program: round1(async (p, xs) => {
      const pool = enableTuplePool(p);
      for (let i = 0; i < 2; i++) {
        pool.beginPhase(p, 'step');
        await truncA(p, a(xs, 0));
      }
      if (pool.stats.hits !== 1) throw new Error(`expected the second truncation from the pool, got ${JSON.stringify(pool.stats)}`);
    }),
  },
  // segments: in a first phase of its kind, the phase before ran the same program in every segment, so from the second on they take tuples made from the first's claims
  {
    name: '1-round truncA in five segments, the last four from tuples predicted from the first',
    inputs: [X4],
    program: round1(async (p, xs) => {
      const pool = enableTuplePool(p);
      for (const kind of ['count', 'first']) {
        pool.beginPhase(p, kind, kind === 'first');
        for (let s = 0; s < 5; s++) {
          pool.beginSegment(p, 'layer');
          await truncA(p.fork('f'), a(xs, 0));
          pool.endSegment(p);
        }
      }
      if (pool.stats.hits !== 4) throw new Error(`expected the last four segments from the pool, got ${JSON.stringify(pool.stats)}`);
    }),
  },
  { name: '1-round fMul (3-of-3 additive input)', inputs: [X4, Y4], program: round1((p, xs) => fMul(p, a(xs, 0), a(xs, 1))) },
  { name: '1-round fMatmul [2,2]·[2,2]', inputs: [A([2, 2], [1, 2, 3, 4], [-4, 0.5, 9, -2]), A([2, 2], [0.5, 1, -1, 2], [7, 7, -3, 0])], program: round1((p, xs) => fMatmul(p, a(xs, 0), a(xs, 1))) },
  // its own zero-sharing masks every w_i, so even the raw OT outputs may go straight in
  { name: '1-round truncAdditive on mulA1BAdditive WITHOUT a caller zero-sharing', inputs: [B4, X4], program: round1(async (p, xs) => truncAdditive(p, await mulA1BAdditive(p, bt(xs, 0), a(xs, 1)), [4], F, 'additive')) },
  { name: 'mulAA', inputs: [X4, Y4], program: (p, xs) => mulAA(p, a(xs, 0), a(xs, 1)) },
  { name: 'matmulAA [2,2]·[2,2]', inputs: [A([2, 2], [1, 2, 3, 4], [-4, 0.5, 9, -2]), A([2, 2], [0.5, 1, -1, 2], [7, 7, -3, 0])], program: (p, xs) => matmulAA(p, a(xs, 0), a(xs, 1)) },
  // three calls so that every party plays dealer, evaluator A and evaluator B once
  { name: 'truncA (three dealer roles)', inputs: [X4], program: async (p, xs) => { for (let r = 0; r < 3; r++) await truncA(p, a(xs, 0)); } },
  { name: 'fMul (three dealer roles)', inputs: [X4, Y4], program: async (p, xs) => { for (let r = 0; r < 3; r++) await fMul(p, a(xs, 0), a(xs, 1)); } },
  { name: 'fMatmul [2,2]·[2,2]', inputs: [A([2, 2], [1, 2, 3, 4], [-4, 0.5, 9, -2]), A([2, 2], [0.5, 1, -1, 2], [7, 7, -3, 0])], program: (p, xs) => fMatmul(p, a(xs, 0), a(xs, 1)) },
  { name: 'andBits', inputs: [B4, bits([1, 1, 0, 1], [0, 0, 1, 1])], program: (p, xs) => andBits(p, bt(xs, 0), bt(xs, 1)) },
  { name: 'a2b', inputs: [X4], program: (p, xs) => a2b(p, a(xs, 0)) },
  { name: 'msb', inputs: [X4], program: (p, xs) => msb(p, a(xs, 0)) },
  { name: 'msb, radix-8 carry tree', inputs: [X4], program: (p, xs) => msb(p, a(xs, 0), 8) },
  // msb on a 3-of-3 local product: splitAdditive (P1 ↔ P2, each masked by its seed with P0) beside msb's input; then msb's own gates
  { name: 'msbAdditive on x·y (3-of-3, radix 8)', inputs: [X4, Y4], program: (p, xs) => msbAdditive(p, mulLocal(p, a(xs, 0), a(xs, 1)), 'z', 8) },
  { name: 'splitAdditive + msbPairOf on x·y (3-of-3)', inputs: [X4, Y4], program: async (p, xs) => { await msbPairOf(p, await splitAdditive(p, mulLocal(p, a(xs, 0), a(xs, 1)), 'z')); } },
  {
    // the row max of q·kᵀ started on the untruncated product, truncation (P0 dealing) on a concurrent branch
    name: 'raggedMaxEarly on q·kᵀ [1,2,3]·[1,4,3]ᵀ, ragged rows 4 + 3',
    inputs: [A([1, 2, 3], [1, -2, 0.5, 3, 1, -1], [-1, 2, 2, 0, -3, 1]), A([1, 4, 3], [1, 0, 2, -1, 1, 1, 0.5, -2, 3, 2, 2, -1], [-2, 1, 0, 1, 1, -3, 2, 0.5, 1, 0, -1, 4])],
    program: async (p, xs) => {
      const { z } = await matmulLocal(p, a(xs, 0), a(xs, 1), true);
      const zp = z.subarray(0, 7); // row 0 keeps 4 keys, row 1 keeps 3
      await raggedMaxEarly(p, zp, (b) => (b.dealNextToP0(), truncAdditive(b, zp, [7], 18, 's')), [4, 3], 4);
    },
  },
  {
    // as above with the 1-round truncation: the concurrent splitAdditive and the truncation's openings of the same z
    name: '1-round: raggedMaxEarly on q·kᵀ beside the 1-round truncation of the same product',
    inputs: [A([1, 2, 3], [1, -2, 0.5, 3, 1, -1], [-1, 2, 2, 0, -3, 1]), A([1, 4, 3], [1, 0, 2, -1, 1, 1, 0.5, -2, 3, 2, 2, -1], [-2, 1, 0, 1, 1, -3, 2, 0.5, 1, 0, -1, 4])],
    program: round1(async (p, xs) => {
      const { z } = await matmulLocal(p, a(xs, 0), a(xs, 1), true);
      const zp = z.subarray(0, 7);
      await raggedMaxEarly(p, zp, (b) => truncAdditive(b, zp, [7], 18, 's'), [4, 3], 4);
    }),
  },
  { name: 'dealtAnd (radix-4 carry group) + pairToReplicated', inputs: [B4, bits([1, 1, 0, 1], [0, 0, 1, 1]), bits([0, 1, 1, 0], [1, 1, 0, 1]), bits([1, 0, 0, 1], [0, 1, 1, 1])], program: dealtGroup },
  { name: 'lessThan + compareMany', inputs: [X4, Y4], program: async (p, xs) => { await lessThan(p, a(xs, 0), a(xs, 1)); await compareMany(p, [{ x: a(xs, 0), op: 'gt', y: a(xs, 1) }, { x: a(xs, 1), op: 'lt', y: 3n << 18n }]); } },
  { name: 'mulA1B', inputs: [B4, X4], program: (p, xs) => mulA1B(p, bt(xs, 0), a(xs, 1)) },
  // the 3-of-3 output shares are analysed with the view (an object with s0/s1 is an output)
  { name: 'mulA1BAdditive (3-of-3 output)', inputs: [B4, X4], program: async (p, xs) => { const z = await mulA1BAdditive(p, bt(xs, 0), a(xs, 1)); return { s0: z, s1: z }; } },
  { name: 'mulA1BAdditive + zero-sharing → truncAdditive (three dealer roles)', inputs: [B4, X4], program: additiveIntoTrunc(true) },
  // bits as P1/P2's XOR pair: P0's cross terms (masked by m), the dealt R², the e exchange, the reshare
  { name: 'mulA1BPair, bits made a pair locally, two values', inputs: [B4, X4, Y4], program: async (p, xs) => mulA1BPair(p, pairOf(p, bt(xs, 0)), 4, [a(xs, 1), a(xs, 2)]) },
  { name: 'msbPair → mulA1BPair (the bits secret too)', inputs: [X4, Y4], program: async (p, xs) => mulA1BPair(p, await msbPair(p, a(xs, 0)), 4, [a(xs, 1)]) },
  {
    name: 'mulA1BPairAdditive + zero-sharing → truncAdditive',
    inputs: [B4, X4],
    program: async (p, xs) => {
      const [z] = await mulA1BPairAdditive(p, pairOf(p, bt(xs, 0)), 4, [a(xs, 1)]);
      p.k.add(z, z, p.prss.zero(z.length));
      return truncAdditive(p, z, [4], F, 'additive');
    },
  },
  { name: 'b2aPair (bits made a pair locally): pairB2A and the reshare', inputs: [B4], program: (p, xs) => b2aPair(p, pairOf(p, bt(xs, 0)), 4) },
  { name: 'msbPairOfSum on P1/P2 additive halves, then b2aPair', inputs: [X4], program: async (p, xs) => b2aPair(p, await msbPairOfSum(p, sumHalves(p, a(xs, 0)), 4), 4) },
  { name: 'mux', inputs: [B4, X4, Y4], program: (p, xs) => mux(p, bt(xs, 0), a(xs, 1), a(xs, 2)) },
  { name: 'b2a', inputs: [B4], program: (p, xs) => b2a(p, bt(xs, 0)) },
  { name: 'maxLast [2,4] (binary tournament)', inputs: [A([2, 4], [1, 5, -2, 3, 0, 0.5, 9, -9], [7, -1, 0, 2, 4, 3, 2, 1])], program: (p, xs) => maxLast(p, a(xs, 0)) },
  {
    // the second tournament runs on the plans kept from the first (max-plan.ts): same messages
    name: 'maxLast [2,4] twice, the second on the kept plans',
    inputs: [A([2, 4], [1, 5, -2, 3, 0, 0.5, 9, -9], [7, -1, 0, 2, 4, 3, 2, 1])],
    program: async (p, xs) => {
      await maxLast(p, a(xs, 0));
      return maxLast(p, a(xs, 0));
    },
  },
  { name: 'argmaxLast [2,5]', inputs: [A([2, 5], [1, 5, -2, 3, 8, 0, 0.5, 9, -9, 1], [7, -1, 0, 2, 1, 4, 3, 2, 1, 6])], program: (p, xs) => argmaxLast(p, a(xs, 0)) },
];

describe('view simulation: protocols (secret inputs split by an outside client)', () => {
  for (const c of CASES) {
    it(`${c.name}: no party's received frames depend on the secrets`, async () => {
      const r = await viewTest(c);
      expect(r.received.some((w) => w > 0)).toBe(true);
      expect(r.findings).toEqual([[], [], []]);
      // power: a fully separated feature (m = 0) would have been flagged at this family size
      expect(relationPValue(c.trials ?? 24, 0)).toBeLessThanOrEqual(ALPHA / Math.max(...r.relations));
    });
  }

  it('shareInput by P0: what P1 and P2 receive does not depend on P0 input', async () => {
    // The owner knows its input; only the two other parties' views matter.
    const r = await viewTest({
      name: 'shareInput',
      inputs: [X4],
      program: async (p, xs) => {
        // P0 learns the value (a test shortcut for "P0 owns it"), then inputs it itself.
        const full = await revealTo(p, a(xs, 0), 0);
        p.meter.reset();
        return shareInput(p, 0, full, [4]);
      },
    });
    expect(r.findings[0].length).toBeGreaterThan(0); // P0 sees the secret (it is the owner)
    expect(r.findings[1]).toEqual([]);
    expect(r.findings[2]).toEqual([]);
  });

  it('revealTo(P0): only P0 view depends on the secret; it is the output minus what P0 holds', async () => {
    const r = await viewTest({ name: 'revealTo', inputs: [X4], program: (p, xs) => revealTo(p, a(xs, 0), 0) });
    expect(r.findings[0].length).toBeGreaterThan(0); // the harness does see output-dependent views
    expect(r.findings[1]).toEqual([]);
    expect(r.findings[2]).toEqual([]);
    // revealAll: every party receives the one share it lacks, so every view is the output minus
    // what the party holds (simulatable from the output) and every party is flagged.
    const r2 = await viewTest({ name: 'revealAll', inputs: [X4], program: (p, xs) => revealAll(p, a(xs, 0)) });
    expect(r2.findings.every((f) => f.length > 0)).toBe(true);
  });

  it('mulA1BAdditive straight into truncAdditive WITHOUT the zero-sharing is flagged (the dealer share unmasks an OT output)', async () => {
    const r = await viewTest({ name: 'unmasked additive', inputs: [B4, X4], program: additiveIntoTrunc(false) });
    // e.g. P1 dealing sends M1 = b·u − ρ1: P0 holds ρ1 and u, P2 holds ρ1 and reads b·(x − x_2)
    expect(r.findings.every((f) => f.length > 0)).toBe(true);
    expect(r.findings.flat().join('\n')).toMatch(/additive\/zd/);
  });

  it('the suite FAILS on the pre-fix mulA1B (ρ2 from a seed P2 holds): P2 flagged, P0 and P1 not', async () => {
    const r = await viewTest({ name: 'leaky mulA1B', inputs: [B4, X4], program: (p, xs) => leakyMulA1B(p, bt(xs, 0), a(xs, 1)) });
    expect(r.findings[0]).toEqual([]);
    expect(r.findings[1]).toEqual([]);
    expect(r.findings[2].length).toBeGreaterThan(0);
    expect(r.findings[2].join('\n')).toMatch(/mulA1B\/ot.*mulA1B\/help|mulA1B\/help.*mulA1B\/ot/);
  });

  it('the suite FAILS on a 1-round opening of raw mulA1BAdditive outputs without the zero-sharing (trunc-round1.ts adds one)', async () => {
    const r = await viewTest({ name: 'leaky 1-round opening', inputs: [B4, X4], program: async (p, xs) => leakyOpenAdditive(p, await mulA1BAdditive(p, bt(xs, 0), a(xs, 1)), F) });
    expect(r.findings.some((f) => f.length > 0)).toBe(true);
    expect(r.findings.flat().join('\n')).toMatch(/leaky\/open1/);
  });
});
