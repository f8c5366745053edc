/**
 * The tuple pool (tuple-pool.ts): a phase of a kind that follows a recorded one takes its tuples
 * from the pool (hits, no misses for the same program), results stay within the 1-round
 * truncation's bound and equal at the three parties; bigger claims than a slot holds, or claims
 * at new keys, fall back to on-demand tuples; a slot is never handed out twice. Segments: a first
 * phase of its kind serves its later segments from the earlier ones' claims.
 */
import { describe, expect, it } from 'vitest';
import { truncA } from '../../src/protocols/trunc.js';
import { withTruncRounds, type Party } from '../../src/protocols/context.js';
import { revealAll } from '../../src/protocols/io.js';
import { prefetchTuples, startTuples } from '../../src/protocols/trunc-round1.js';
import { enableTuplePool, poolCapacity, TuplePool } from '../../src/protocols/tuple-pool.js';
import { aShare, type AShare } from '../../src/protocols/share.js';
import { randomSigned, run3, signed } from './harness.js';

function within(x: BigUint64Array, y: BigUint64Array, d: number, n = x.length): void {
  for (let i = 0; i < n; i++) {
    const e = signed(y[i]) - (signed(x[i]) >> BigInt(d));
    expect(e >= 0n && e <= 2n, `element ${i}: error ${e}`).toBe(true);
  }
}

/** Three phases of one kind: each runs a prefetched chain and an on-demand truncation on a fork and on the root; sizes from `sizes(phase)`. */
const phases = (sizes: (phase: number) => number) => async (p: Party, [a]: AShare[]) =>
  withTruncRounds(p, 1, async () => {
    const pool = enableTuplePool(p);
    const out: { y: BigUint64Array[]; stats: TuplePool['stats'] }[] = [];
    for (let phase = 0; phase < 3; phase++) {
      pool.beginPhase(p, 'step');
      const n = sizes(phase);
      const part = aShare([n], a.s0.slice(0, n), a.s1.slice(0, n));
      const f = p.fork('branch');
      prefetchTuples(f, [[n, 18], [n, 30]]);
      const [y1, y2] = [await truncA(f, part, 18), await truncA(f, part, 30)];
      f.meter.exit();
      const y3 = await truncA(p, part, 24); // on demand, on the root
      out.push({ y: [await revealAll(p, y1), await revealAll(p, y2), await revealAll(p, y3)], stats: { ...pool.stats } });
    }
    return out;
  });

describe('tuple pool', () => {
  const x = randomSigned(600, 50, 5);

  it('the same program again: every claim of the later phases hits, results within the bound and equal at the three parties', async () => {
    const r = await run3([{ data: x, shape: [x.length] }], phases(() => 500), 'pool-1');
    const [first, second, third] = r.results[0];
    expect(first.stats.hits).toBe(0);
    expect(first.stats.misses).toBe(2); // the prefetched plan is one claim, the root's truncation another
    for (const ph of [second, third]) {
      expect(ph.stats).toEqual({ made: 2 * poolCapacity(500) + poolCapacity(500), taken: 1500, hits: 2, misses: 0 });
    }
    for (const ph of r.results[0]) [18, 30, 24].forEach((d, i) => within(x, ph.y[i], d, 500));
    for (const res of r.results) for (let k = 0; k < 3; k++) for (let i = 0; i < 3; i++) expect(res[k].y[i]).toEqual(r.results[0][k].y[i]);
  });

  it('claims that outgrow their slot make their own tuples; within the headroom they still hit', async () => {
    const grow = [400, 400 + poolCapacity(400) - 400, 1.2 * 400 + poolCapacity(400)].map(Math.floor); // phase 2 at the cap, phase 3 over it
    const r = await run3([{ data: x, shape: [x.length] }], phases((k) => Math.min(600, grow[k])), 'pool-2');
    const [, second, third] = r.results[0];
    expect(second.stats.hits).toBe(2);
    expect(third.stats.hits).toBe(0);
    expect(third.stats.misses).toBe(2);
    r.results[0].forEach((ph, k) => [18, 30, 24].forEach((d, i) => within(x, ph.y[i], d, Math.min(600, grow[k]))));
  });

  it('pooled slices never overlap: every element of a chunk goes to one claim', async () => {
    const plan: [number, number][] = [[100, 18], [37, 18], [64, 30]];
    const r = await run3([{ data: x, shape: [x.length] }], async (p) => withTruncRounds(p, 1, async () => {
      const pool = enableTuplePool(p);
      const ranges: [ArrayBufferLike, number, number][] = [];
      for (let phase = 0; phase < 2; phase++) {
        pool.beginPhase(p, 'step');
        const got = [startTuples(p, plan), startTuples(p, plan), startTuples(p.fork('f'), plan)];
        for (const claim of got) for (const e of claim) {
          const t = await e.tuple;
          if (phase === 1) for (const arr of [t.r.s0, t.r.s1, t.R.s0, t.R.s1, t.M.s0, t.M.s1]) ranges.push([arr.buffer, arr.byteOffset, arr.byteLength]);
        }
      }
      return { ranges, hits: pool.stats.hits };
    }), 'pool-3');
    const { ranges, hits } = r.results[0];
    expect(hits).toBe(3);
    for (let i = 0; i < ranges.length; i++) for (let j = i + 1; j < ranges.length; j++) {
      const [bi, oi, li] = ranges[i], [bj, oj, lj] = ranges[j];
      if (bi === bj) expect(oi + li <= oj || oj + lj <= oi, `ranges ${i} and ${j} overlap`).toBe(true);
    }
  });

  /** One phase of `count` segments; segment s runs `layer(q, s)` on a fork q of the root and a truncation on the root. */
  const segmented = (layer: (q: Party, part: AShare, s: number, phase: number) => Promise<BigUint64Array[]>) => async (p: Party, [a]: AShare[]) =>
    withTruncRounds(p, 1, async () => {
      const pool = enableTuplePool(p);
      const out: { kind: string; y: BigUint64Array[][]; stats: TuplePool['stats'] }[] = [];
      for (const [phase, kind] of ['prefill', 'decode', 'decode'].entries()) {
        pool.beginPhase(p, kind, kind === 'decode');
        const y: BigUint64Array[][] = [];
        for (let s = 0; s < 6; s++) {
          pool.beginSegment(p, 'layer');
          const q = p.fork('layer');
          const ys = await layer(q, aShare([300], a.s0.slice(0, 300), a.s1.slice(0, 300)), s, phase);
          q.meter.exit();
          ys.push(await revealAll(p, await truncA(p, aShare([300], a.s0.slice(0, 300), a.s1.slice(0, 300)), 20)));
          pool.endSegment(p);
          y.push(ys);
        }
        out.push({ kind, y, stats: { ...pool.stats } });
      }
      return out;
    });

  it('segments: the first phase of a kind serves its segments from the third on (the phase before ran the same program from the second on), and the next phase from the record', async () => {
    const r = await run3([{ data: x, shape: [x.length] }], segmented(async (q, part, s) => {
      // segment 0 runs another program (as a model's first layer does): one claim more
      const plan: [number, number][] = s === 0 ? [[300, 18], [300, 30], [300, 26]] : [[300, 18], [300, 30]];
      prefetchTuples(q, plan);
      const ys: BigUint64Array[] = [];
      for (const [, d] of plan) ys.push(await revealAll(q, await truncA(q, part, d)));
      return ys;
    }), 'pool-seg');
    const [prefill, first, second] = r.results[0];
    expect(prefill.stats.hits).toBe(0); // a prefill does not predict
    // first decode: segments 0–1 on demand (2 claims each), 2–5 from the pool (made at segment 2's start from segment 1's claims)
    expect(first.stats.hits).toBe(4 * 2);
    expect(first.stats.misses).toBe(2 * 2);
    expect(first.stats.made).toBe(4 * 3 * 300); // per segment: the fork's two tuples and the root's one
    expect(second.stats).toMatchObject({ hits: 12, misses: 0 }); // the next phase of the kind: all from the record
    for (const ph of r.results[0]) ph.y.forEach((ys, s) => (s === 0 ? [18, 30, 26, 20] : [18, 30, 20]).forEach((d, i) => within(x, ys[i], d, 300)));
    for (const res of r.results) expect(res.map((ph) => ph.y)).toEqual(r.results[0].map((ph) => ph.y));
  });

  it('segments whose programs differ predict nothing', async () => {
    const r = await run3([{ data: x, shape: [x.length] }], segmented(async (q, part, s) => [await revealAll(q, await truncA(q, part, 18 + s))]), 'pool-seg2');
    expect(r.results[0][1].stats).toMatchObject({ made: 0, hits: 0, misses: 12 });
  });

  it('without a pattern from the phase before, two segments alike start the prediction', async () => {
    // the prefill's segments all differ; the decode steps' are alike
    const r = await run3([{ data: x, shape: [x.length] }], segmented(async (q, part, s, phase) => [await revealAll(q, await truncA(q, part, phase === 0 ? 18 + s : 18))]), 'pool-seg4');
    const [, first, second] = r.results[0];
    expect(first.stats).toMatchObject({ made: 4 * 2 * 300, hits: 4 * 2, misses: 2 * 2 }); // from segment 2 on, predicted from segments 0 and 1
    expect(second.stats).toMatchObject({ hits: 12, misses: 0 });
  });

  it('a claim from a segment that has ended throws (its record would depend on timing)', async () => {
    const r = run3([{ data: x, shape: [x.length] }], async (p) => withTruncRounds(p, 1, async () => {
      const pool = enableTuplePool(p);
      pool.beginPhase(p, 'decode', true);
      pool.beginSegment(p, 'layer');
      const q = p.fork('late');
      pool.endSegment(p);
      startTuples(q, [[10, 18]]);
    }), 'pool-seg3');
    await expect(r).rejects.toThrow(/after its segment 'layer' ended/);
  });
});
