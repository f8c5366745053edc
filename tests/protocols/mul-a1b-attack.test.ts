/**
 * The attack of issue 9, run from P2's own view: P2 knows its shares (b_2, b_0), (x_2, x_0), its
 * seeds and the frames it receives. Against the pre-fix protocol, unmasking OT2 with the first
 * draws of its seed s1 gives b·x_2 exactly, so P2 reads every selection bit; against the fixed
 * protocol the same computation is noise and the guesses are at chance.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Channel, Frame, PartyId } from '../../src/protocols/channel.js';
import { makeLocalParties, runOn } from '../../src/protocols/local.js';
import { localSeeds } from '../../src/protocols/prss.js';
import { Prg } from '../../src/ring/prg.js';
import { splitShares } from '../../src/protocols/io.js';
import type { AShare, BitShare } from '../../src/protocols/share.js';
import { aShare, bitShare, getBit, words } from '../../src/protocols/share.js';
import { mulA1B } from '../../src/protocols/bitmul.js';
import { leakyMulA1B } from './_leaky-mul-a1b.js';

type MulA1B = (p: Parameters<typeof mulA1B>[0], b: BitShare, x: AShare) => Promise<AShare>;

/** Fraction of the n selection bits P2 guesses right. */
async function attackFromP2(impl: MulA1B, n: number): Promise<number> {
  const seeds = localSeeds(Prg.random());
  const got: Frame[] = [];
  const wrap = (c: Channel, id: PartyId): Channel =>
    id !== 2 ? c : { self: c.self, send: (to, f) => c.send(to, f), abort: (e) => c.abort(e), recv: async (from, stream) => { const f = await c.recv(from, stream); got.push(f); return f; } };
  const { parties, hub } = makeLocalParties({ seeds, wrapChannel: wrap });
  // The client's secrets and its sharing (all three shares random).
  const clientPrg = Prg.random();
  const x = clientPrg.ring(n);
  const bw = new BigUint64Array(randomBytes(8 * words(n)).buffer.slice(0));
  const bs = [new BigUint64Array(randomBytes(8 * words(n)).buffer.slice(0)), new BigUint64Array(randomBytes(8 * words(n)).buffer.slice(0))];
  const b2 = bw.map((w, i) => w ^ bs[0][i] ^ bs[1][i]);
  const bShares = [bs[0], bs[1], b2];
  const xs = splitShares(x, clientPrg);
  await runOn(parties, hub, (p) => impl(p, bitShare(n, bShares[p.id], bShares[(p.id + 1) % 3]), aShare([n], xs[p.id][0], xs[p.id][1])));
  // P2's computation: its shares (x_2, x_0) and (b_2, b_0), frames e' (from P1) and v (from P0).
  const e = new BigUint64Array(got.find((f) => f.tag === 'mulA1B/ot')!.bytes.slice().buffer);
  const v = new BigUint64Array(got.find((f) => f.tag === 'mulA1B/help')!.bytes.slice().buffer);
  const r = new Prg(seeds[2].prev).ring(n); // first draws of s1 (P1, P2): ρ2 in the old protocol
  const x2 = xs[2][0];
  let right = 0;
  for (let i = 0; i < n; i++) {
    const m = BigInt.asUintN(64, (getBit(bShares[0], i) ? e[n + i] : e[i]) - v[i] + r[i]);
    const guess = m === x2[i] && x2[i] !== 0n ? 1 : 0;
    if (guess === getBit(bw, i)) right++;
  }
  return right / n;
}

describe('mulA1B: the selection-bit attack from P2 view', () => {
  it('recovers every bit of the pre-fix protocol and guesses at chance against the fixed one (100,000 bits)', async () => {
    const n = 100_000;
    const old = await attackFromP2(leakyMulA1B, n);
    const fixed = await attackFromP2(mulA1B, n);
    console.log(`[mulA1B attack from P2] pre-fix: ${(100 * old).toFixed(2)} % of ${n} bits right; fixed: ${(100 * fixed).toFixed(2)} %`);
    expect(old).toBe(1);
    expect(Math.abs(fixed - 0.5)).toBeLessThan(0.01); // 6 standard deviations at n = 1e5
  });
});
