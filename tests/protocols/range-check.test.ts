/**
 * Checked mode (src/protocols/range-check.ts): the OR tree, the free sharing of truncation inputs,
 * declared = measured cost, identical outputs on in-range data, MPC_ERR_RANGE beyond the range,
 * and nothing but the one flag bit in the extra messages. Inputs are shared by an outside client
 * (all three components random, splitShares), never by a party.
 */
import { describe, expect, it } from 'vitest';
import type { Party } from '../../src/protocols/context.js';
import type { Frame } from '../../src/protocols/channel.js';
import { makeLocalParties, runOn } from '../../src/protocols/local.js';
import { revealAll, splitShares } from '../../src/protocols/io.js';
import { aShare, bitShare, type AShare } from '../../src/protocols/share.js';
import { truncA } from '../../src/protocols/trunc.js';
import { fMatmul, fMul } from '../../src/protocols/fixed.js';
import { anyBit, anyBitCost } from '../../src/protocols/any-bit.js';
import { checkBelow, enableRangeCheck, flushRangeCheck, rangeCheckCost, type RangeChecker } from '../../src/protocols/range-check.js';
import { branches } from '../../src/protocols/context.js';
import { isMpcError } from '../../src/protocols/errors.js';
import { Prg } from '../../src/ring/prg.js';
import { randomSigned, revealBits } from './harness.js';

/** Outside-client shares of each input, per party (the client's own PRG; same seed, same shares). */
function clientShares(inputs: BigUint64Array[]): AShare[][] {
  const clientPrg = new Prg(new Uint8Array(16).fill(7));
  const parts = inputs.map((x) => splitShares(x, clientPrg));
  return [0, 1, 2].map((i) => parts.map((pt, j) => aShare([inputs[j].length], pt[i][0], pt[i][1])));
}

/** Run `program` at three in-memory parties on client-shared inputs; optionally record every frame sent. */
async function run<T>(inputs: BigUint64Array[], program: (p: Party, xs: AShare[]) => Promise<T>, opts: { checked: boolean; seed?: string; frames?: Frame[][] }) {
  const { parties, hub } = makeLocalParties({ seed: opts.seed ?? 'range' });
  const shares = clientShares(inputs);
  if (opts.frames) {
    parties.forEach((p, i) => {
      const ch = p.comm.channel;
      const send = ch.send.bind(ch);
      (opts.frames as Frame[][])[i] = [];
      ch.send = (to, f) => {
        (opts.frames as Frame[][])[i].push({ ...f, bytes: f.bytes.slice() });
        send(to, f);
      };
    });
  }
  return runOn(parties, hub, async (p) => {
    if (opts.checked) enableRangeCheck(p);
    return program(p, shares[p.id]);
  });
}

const u = (v: bigint): bigint => BigInt.asUintN(64, v);

describe('anyBit: OR of shared bits', () => {
  for (const n of [1, 2, 63, 64, 65, 200, 4096 + 3]) {
    it(`n=${n}: 0 when all bits are 0, 1 when any single bit is 1`, async () => {
      const positions = [-1, 0, n - 1, Math.floor(n / 2)];
      for (const pos of positions) {
        const W = Math.ceil(n / 64);
        const words = new BigUint64Array(W);
        if (pos >= 0) words[pos >> 6] = 1n << BigInt(pos & 63);
        const { results, cost } = await runOn(...Object.values(makeLocalParties({ seed: `any-${n}-${pos}` })) as [[Party, Party, Party], never], async (p) => {
          // XOR-share the words: components (r0, r1, words ⊕ r0 ⊕ r1) from public test streams
          const r = [new Prg(new Uint8Array(16).fill(1)).ring(W), new Prg(new Uint8Array(16).fill(2)).ring(W)];
          const c = [r[0], r[1], words.map((w, i) => w ^ r[0][i] ^ r[1][i])];
          const b = bitShare(n, c[p.id], c[(p.id + 1) % 3]);
          p.meter.reset();
          const out = await anyBit(p, b, 'test/or');
          return { bit: (await revealBits(p, out))[0], other: out.s0[0] >> 1n };
        });
        for (const r of results) expect(r.bit).toBe(pos >= 0 ? 1 : 0);
        expect(results[0].other).toBe(0n); // only lane 0 is set in the components
        expect(cost.bytesTotal - 3 * 8 /* the test's reveal */).toBe(anyBitCost(n).bytesTotal);
        expect(cost.rounds - 1 /* the test's reveal */).toBe(anyBitCost(n).rounds);
      }
    });
  }
});

describe('checked truncation', () => {
  const n = 3000;
  const x = randomSigned(n, 61, 11); // |x| < 2^61: in range
  const y = randomSigned(n, 20, 12);

  it('in range: flush passes, outputs are bit-identical to unchecked, cost = rangeCheckCost(N)', async () => {
    const prog = (check: boolean) => async (p: Party, [X, Y]: AShare[]) => {
      const t = await truncA(p, X);
      const m = await fMul(p, aShare([n], Y.s0, Y.s1), aShare([n], Y.s0, Y.s1));
      const before = p.meter.snapshot();
      if (check) await flushRangeCheck(p, 'test');
      return { t: await revealAll(p, t), m: await revealAll(p, m), before };
    };
    const plain = await run([x, y], prog(false), { checked: false });
    const checked = await run([x, y], prog(true), { checked: true });
    expect(checked.results[0].t).toEqual(plain.results[0].t);
    expect(checked.results[0].m).toEqual(plain.results[0].m);
    const rc = checked.cost.ops['rangeCheck'];
    expect({ rounds: rc.rounds, bytesTotal: rc.bytesTotal, offlineBytesTotal: rc.offlineBytesTotal }).toEqual({ offlineBytesTotal: 0, ...rangeCheckCost(2 * n) });
    // the check adds nothing to the truncations themselves
    expect(checked.cost.ops['truncA'].bytesTotal).toBe(plain.cost.ops['truncA'].bytesTotal);
    expect(checked.cost.ops['fMul'].bytesTotal).toBe(plain.cost.ops['fMul'].bytesTotal);
  });

  it('edges: −2^62 and 2^62 − 1 pass; 2^62, 2^63 − 1, −2^62 − 1 and −2^63 abort with MPC_ERR_RANGE at every party', async () => {
    const ok = [-(1n << 62n), (1n << 62n) - 1n, 0n, -1n];
    const bad = [1n << 62n, (1n << 63n) - 1n, -(1n << 62n) - 1n, -(1n << 63n), (1n << 62n) + (1n << 40n)];
    const pass = await run([BigUint64Array.from(ok.map(u))], async (p, [X]) => {
      await truncA(p, X);
      await flushRangeCheck(p, 'edges');
      return true;
    }, { checked: true });
    expect(pass.results).toEqual([true, true, true]);
    for (const v of bad) {
      const vals = BigUint64Array.from([...ok, v].map(u));
      const errors = await run([vals], async (p, [X]) => {
        await truncA(p, X);
        try {
          await flushRangeCheck(p, 'layer7');
          return null;
        } catch (e) {
          return e;
        }
      }, { checked: true });
      for (const e of errors.results) {
        expect(isMpcError(e), `value ${v}`).toBe(true);
        expect((e as { code: string }).code).toBe('MPC_ERR_RANGE');
        expect((e as Error).message).toContain("'layer7'");
        expect((e as Error).message).toContain('truncA');
      }
    }
  });

  it('fMatmul whose sum of products exceeds real 2^26 aborts, just below passes', async () => {
    const f = 18;
    const enc = (v: number) => u(BigInt(Math.round(v * 2 ** f)));
    // [1,4]·[4,1]: 4 products of 2^12 · 2^12.9 ≈ 2^26.9 in total (beyond); and 2^23.9 in total (within)
    for (const [a, want] of [[4096 * 1.9, 'abort'], [4096 * 0.95, 'pass']] as const) {
      const X = BigUint64Array.from([a, a, a, a].map(enc));
      const Y = BigUint64Array.from([4096, 4096, 4096, 4096].map(enc));
      const out = await run([X, Y], async (p, [A, B]) => {
        await fMatmul(p, aShare([1, 4], A.s0, A.s1), aShare([4, 1], B.s0, B.s1));
        try {
          await flushRangeCheck(p, 'mm');
          return 'pass';
        } catch (e) {
          return (e as { code?: string }).code === 'MPC_ERR_RANGE' ? 'abort' : String(e);
        }
      }, { checked: true });
      expect(out.results).toEqual([want, want, want]);
    }
  });

  it('checkBelow: x < B passes, x = B aborts', async () => {
    for (const [v, want] of [[999n, 'pass'], [1000n, 'abort'], [u(-5n), 'pass']] as const) {
      const out = await run([BigUint64Array.of(v, 3n)], async (p, [X]) => {
        checkBelow(p, 'variance', X, 1000n);
        try {
          await flushRangeCheck(p, 'norm');
          return 'pass';
        } catch (e) {
          return (e as { code?: string }).code === 'MPC_ERR_RANGE' && (e as Error).message.includes('variance') ? 'abort' : String(e);
        }
      }, { checked: true });
      expect(out.results).toEqual([want, want, want]);
    }
  });

  it('the extra messages are the check protocol only; the revealed flag word is 0 or 1, the main transcript is unchanged', async () => {
    const prog = (check: boolean) => async (p: Party, [X]: AShare[]) => {
      const t = await truncA(p, X);
      await fMul(p, t, t);
      if (check) await flushRangeCheck(p, 'test');
      return true;
    };
    const plainFrames: Frame[][] = [];
    const checkedFrames: Frame[][] = [];
    await run([y], prog(false), { checked: false, frames: plainFrames, seed: 'same' });
    await run([y], prog(true), { checked: true, frames: checkedFrames, seed: 'same' });
    for (let i = 0; i < 3; i++) {
      const extra = checkedFrames[i].filter((f) => f.tag.startsWith('msb/') || f.tag.startsWith('range/'));
      const main = checkedFrames[i].filter((f) => !extra.includes(f));
      // identical frames, byte for byte, outside the check
      expect(main.map((f) => [f.tag, Buffer.from(f.bytes).toString('hex')])).toEqual(plainFrames[i].map((f) => [f.tag, Buffer.from(f.bytes).toString('hex')]));
      const flags = extra.filter((f) => f.tag === 'range/flag');
      expect(flags).toHaveLength(1);
      expect(flags[0].length).toBe(1);
      expect(new BigUint64Array(flags[0].bytes.slice().buffer)[0] <= 1n).toBe(true);
      expect(extra.every((f) => f.tag === 'range/flag' || f.tag === 'range/or' || f.tag.startsWith('msb/'))).toBe(true);
      // masked messages of the check: about half of their bits set (uniform), 5σ
      const bits = extra.filter((f) => f.tag !== 'range/flag').reduce((t, f) => t + f.bytes.length * 8, 0);
      const ones = extra.filter((f) => f.tag !== 'range/flag').reduce((t, f) => t + [...f.bytes].reduce((s, b) => s + popcount(b), 0), 0);
      expect(Math.abs(ones - bits / 2)).toBeLessThan(5 * Math.sqrt(bits / 4));
    }
  });
});

describe('checked mode with forked branches (shuffled delivery)', () => {
  it('records of concurrent branches are laid out in fork order: in range passes, one bad value in a nested branch aborts', async () => {
    const n = 50;
    const ok = randomSigned(n, 60, 21);
    for (const [bad, want] of [[false, 'pass'], [true, 'abort']] as const) {
      const x = ok.slice();
      if (bad) x[17] = BigInt.asUintN(64, (1n << 62n) + 5n);
      const prg = new Prg(new Uint8Array(16).fill(9));
      const parts = [splitShares(ok, prg), splitShares(x, prg)];
      for (const shuffle of [1, 2, 3]) {
        const { parties, hub } = makeLocalParties({ seed: 'fork-range', shuffle });
        const { results } = await runOn(parties, hub, async (p) => {
          enableRangeCheck(p);
          const share = (j: number) => aShare([n], parts[j][p.id][0].slice(), parts[j][p.id][1].slice());
          await branches(p, [
            ['a', (q) => truncA(q, share(0))],
            ['b', async (q) => {
              await truncA(q, share(0));
              await branches(q, [['c', (r) => truncA(r, share(1))], ['d', (r) => truncA(r, share(0))]]);
            }],
          ]);
          await truncA(p, share(0));
          try {
            await flushRangeCheck(p, 'forks');
            return `pass ${(p.rangeCheck as RangeChecker).log[0].elements}`;
          } catch (e) {
            return (e as { code?: string }).code === 'MPC_ERR_RANGE' ? 'abort' : String(e);
          }
        });
        expect(results, `shuffle ${shuffle}`).toEqual(want === 'pass' ? ['pass 250', 'pass 250', 'pass 250'] : ['abort', 'abort', 'abort']);
      }
    }
  });
});

function popcount(b: number): number {
  let c = 0;
  for (; b; b &= b - 1) c++;
  return c;
}
