/**
 * Shared test harness: three parties in memory, secret inputs split by an outside client (all
 * three shares uniformly random, none from a party), reveals, references.
 */
import { barrier as syncParties } from '../../src/protocols/barrier.js';
import type { Party } from '../../src/protocols/context.js';
import { runLocal, type LocalRun } from '../../src/protocols/local.js';
import { createHash } from 'node:crypto';
import { splitShares, revealAll } from '../../src/protocols/io.js';
import { Prg } from '../../src/ring/prg.js';
import type { AShare, BitShare } from '../../src/protocols/share.js';
import { aShare, getBit } from '../../src/protocols/share.js';
import type { Shape } from '../../src/ring/tensor.js';

export const EDGE: bigint[] = [0n, 1n, (1n << 62n) - 1n, BigInt.asUintN(64, -(1n << 62n)), 1n << 63n, (1n << 64n) - 1n, (1n << 63n) - 1n, 2n, BigInt.asUintN(64, -2n)];

/** Deterministic pseudo-random 64-bit values (xorshift), reproducible across runs. */
export function randomRing(n: number, seed = 1): BigUint64Array {
  let s = BigInt(seed) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n;
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    s = BigInt.asUintN(64, s ^ (s << 13n));
    s ^= s >> 7n;
    s = BigInt.asUintN(64, s ^ (s << 17n));
    out[i] = s;
  }
  return out;
}

/** Random signed values uniformly in [-2^bits, 2^bits). */
export function randomSigned(n: number, bits: number, seed = 1): BigUint64Array {
  const r = randomRing(n, seed);
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt.asUintN(64, BigInt.asIntN(bits + 1, r[i]));
  return out;
}

export const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

/** An outside client splits every tensor (x_0, x_1 random, x_2 = x − x_0 − x_1); the program gets the shares. */
export async function run3<T>(inputs: { data: BigUint64Array; shape: Shape }[], program: (p: Party, xs: AShare[]) => Promise<T>, seed: string | number = 'test'): Promise<LocalRun<T>> {
  const client = new Prg(createHash('sha256').update(`triform-client-${seed}`).digest().subarray(0, 16));
  const split = inputs.map((inp) => splitShares(inp.data, client));
  return runLocal(async (p) => {
    const xs = inputs.map((inp, j) => aShare(inp.shape, split[j][p.id][0].slice(), split[j][p.id][1].slice()));
    p.meter.reset();
    return program(p, xs);
  }, { seed });
}

export function revealBits(p: Party, b: BitShare): Promise<Uint8Array> {
  // reveal packed words with a boolean reveal: send s0 to prev, xor the three
  return (async () => {
    const W = b.s0.length;
    p.comm.sendU64(p.comm.next, 'test/revealBits', b.s0);
    const missing = await p.comm.recvU64(p.comm.prev, 'test/revealBits', W);
    const w = new BigUint64Array(W);
    for (let i = 0; i < W; i++) w[i] = b.s0[i] ^ b.s1[i] ^ missing[i];
    const out = new Uint8Array(b.n);
    for (let e = 0; e < b.n; e++) out[e] = getBit(w, e);
    return out;
  })();
}

export { revealAll };

/** The shared barrier (src/protocols/barrier.ts), then clean meters. */
export async function barrier(p: Party): Promise<void> {
  await syncParties(p, 'test/barrier');
  p.meter.reset();
}

/** P1: x₁ + x₂, P2: x₀ (P0: null): a 2-of-2 additive sharing of a replicated x, locally. */
export function sumHalves(p: Party, x: AShare): BigUint64Array | null {
  if (p.id === 0) return null;
  if (p.id === 2) return x.s1.slice();
  const a = new BigUint64Array(x.s0.length);
  p.k.add(a, x.s0, x.s1);
  return a;
}
