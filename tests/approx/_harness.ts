/** Shared helpers of the approx tests: real inputs split by an outside client, revealed as float64, costs. */
import { barrier as syncParties } from '../../src/protocols/barrier.js';
import { expect } from 'vitest';
import type { OpCost, Party } from '../../src/protocols/context.js';
import { runLocal } from '../../src/protocols/local.js';
import { createHash } from 'node:crypto';
import { revealAll, splitShares } from '../../src/protocols/io.js';
import { Prg } from '../../src/ring/prg.js';
import { aShare, type AShare } from '../../src/protocols/share.js';
import { mergeMeters, type MergedCost } from '../../src/protocols/meter.js';
import { planRaggedMax } from '../../src/protocols/max-plan.js';
import { DEFAULT_APPROX_CONFIG } from '../../src/approx/config.js';
import { DEFAULT_RING_CONFIG, type RingConfig } from '../../src/ring/config.js';
import { decode, encode } from '../../src/ring/fixed-point.js';
import type { Shape } from '../../src/ring/tensor.js';

export const F = DEFAULT_RING_CONFIG.fracBits;

/** x rounded to the fixed-point grid (the value the protocol actually sees). */
export const onGrid = (x: ArrayLike<number>): Float64Array => decode(encode(Float64Array.from(x), DEFAULT_RING_CONFIG, 'test'), DEFAULT_RING_CONFIG);

export interface RealInput {
  data: ArrayLike<number>;
  shape: Shape;
}

/**
 * An outside client splits the inputs (all three shares random), every party runs `op`, the
 * result is revealed (as reals). The meter is synchronised (barrier) before the op, so `label`'s
 * record is the op's cost.
 */
export async function run(
  inputs: RealInput[],
  op: (p: Party, xs: AShare[]) => Promise<AShare>,
  seed: string | number = 'approx',
  cfg: RingConfig = DEFAULT_RING_CONFIG,
): Promise<{ y: Float64Array; cost: MergedCost }> {
  const client = new Prg(createHash('sha256').update(`triform-client-${seed}`).digest().subarray(0, 16));
  const split = inputs.map((inp) => splitShares(encode(Float64Array.from(inp.data), cfg, 'input'), client));
  const { results } = await runLocal(
    async (p) => {
      const xs = inputs.map((inp, j) => aShare(inp.shape, split[j][p.id][0].slice(), split[j][p.id][1].slice()));
      await barrier(p);
      const y = await op(p, xs);
      const c = p.meter.snapshot();
      const opened = await revealAll(p, y);
      return { y: decode(opened, p.cfg), snap: c };
    },
    { seed, cfg },
  );
  return { y: results[0].y, cost: mergeMeters(results.map((r) => r.snap)) };
}

/** The shared barrier (src/protocols/barrier.ts), then clean meters. */
export async function barrier(p: Party): Promise<void> {
  await syncParties(p, 'test/barrier');
  p.meter.reset();
}

/**
 * Measured = declared: bytes (online and offline) exactly; rounds exactly, or — for ops with a
 * row max inside, whose msb levels can overlap the preceding mux (src/protocols/max.ts) — within
 * [declared − roundSlack, declared].
 */
export function expectCost(cost: MergedCost, label: string, declared: OpCost, roundSlack = 0): void {
  const m = cost.ops[label];
  expect(m, `no meter record for '${label}' (have ${Object.keys(cost.ops).filter((k) => !k.includes('/')).join(', ')})`).toBeDefined();
  expect({ bytesTotal: m.bytesTotal, offlineBytesTotal: m.offlineBytesTotal }, label).toEqual({ bytesTotal: declared.bytesTotal, offlineBytesTotal: declared.offlineBytesTotal ?? 0 });
  expect(m.rounds, `${label} rounds`).toBeLessThanOrEqual(declared.rounds);
  expect(m.rounds, `${label} rounds`).toBeGreaterThanOrEqual(declared.rounds - roundSlack);
}

/** Round slack of a softmax over rows of these lengths: one per level of its row max. */
export function softmaxSlack(lens: ArrayLike<number>, maxArity = DEFAULT_APPROX_CONFIG.softmax.maxArity): number {
  return planRaggedMax(Array.from(lens).filter((l) => l > 0), maxArity).length;
}

export interface ErrStats {
  maxAbs: number;
  meanAbs: number;
  argMax: number;
}

export function errStats(got: ArrayLike<number>, want: ArrayLike<number>, x?: ArrayLike<number>): ErrStats {
  let maxAbs = 0;
  let sum = 0;
  let argMax = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    sum += e;
    if (e > maxAbs) {
      maxAbs = e;
      argMax = x ? x[i] : i;
    }
  }
  return { maxAbs, meanAbs: sum / got.length, argMax };
}

/** lo, lo + step, …, hi (rounded to 1e-9 to avoid drift). */
export function range(lo: number, hi: number, step: number): Float64Array {
  const n = Math.round((hi - lo) / step) + 1;
  return Float64Array.from({ length: n }, (_, i) => Math.round((lo + i * step) * 1e9) / 1e9);
}

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
export function uniform(n: number, lo: number, hi: number, seed = 1): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}
