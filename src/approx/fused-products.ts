/**
 * Fused fixed-point products (internal). A fixed-point multiply is a local 3-of-3 product plus a
 * truncation (2 rounds). Sums of products, public multiples of shares and constants are all
 * linear in the 3-of-3 shares, so a whole expression Σ a_i·b_i·k_i + Σ c_j·x_j + d goes through
 * ONE truncation, by any number of bits, and many such expressions share one truncAdditive
 * call (one round trip pair for all of them). This is how every function in src/approx keeps
 * its multiplication depth, and its rounds, minimal.
 *
 * Security: every accumulator carries at least one fresh zero-sharing (mulLocal adds one; a
 * purely linear accumulator, or one holding only protocol-made additive shares (`additive`),
 * adds its own), because the truncation dealer's 3-of-3 share is sent in the clear to the two
 * evaluators.
 */
import type { OpCost, Party } from '../protocols/context.js';
import { mulLocal, mulAPScalar } from '../protocols/arith.js';
import { truncAdditive, truncAdditiveCost } from '../protocols/trunc.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';

const TWO63 = 2 ** 63;

/** round(c · 2^scale) as a ring integer; throws if it does not fit in int64. */
export function fixedInt(c: number, scale: number): bigint {
  if (!Number.isFinite(c)) throw new RangeError(`fixedInt: non-finite constant ${c}`);
  const v = Math.round(c * 2 ** scale);
  if (Math.abs(v) >= TWO63) throw new RangeError(`fixedInt: ${c}·2^${scale} does not fit in 64 bits`);
  return BigInt(v);
}

/** 2^e as a bigint (e ≥ 0). */
export const pow2 = (e: number): bigint => 1n << BigInt(e);

/** One party's 3-of-3 additive share of an expression under construction. */
export class Acc {
  readonly z: BigUint64Array;
  private masked = false;

  constructor(
    private readonly p: Party,
    readonly n: number,
  ) {
    this.z = new BigUint64Array(n);
  }

  /** += k · a ⊙ b (k a public ring integer; b is scaled locally first). */
  product(a: AShare, b: AShare, k = 1n): this {
    const bb = k === 1n ? b : mulAPScalar(this.p, b, k);
    this.p.k.add(this.z, this.z, mulLocal(this.p, a, bb));
    this.masked = true;
    return this;
  }

  /** += Σ_rows: the product of a and b summed along the last axis (a, b: [rows·cols], z: [rows]). */
  productRowSum(a: AShare, b: AShare, cols: number, k = 1n): this {
    const bb = k === 1n ? b : mulAPScalar(this.p, b, k);
    const prod = mulLocal(this.p, a, bb);
    const rows = this.n;
    const s = new BigUint64Array(rows);
    this.p.k.sumRows(s, prod, rows, cols);
    this.p.k.add(this.z, this.z, s);
    this.masked = true;
    return this;
  }

  /** += k · x (party i adds k·x_i; the three x_i sum to x). */
  linear(x: AShare, k: bigint): this {
    if (k === 0n) return this;
    const t = new BigUint64Array(this.n);
    this.p.k.mulScalar(t, x.s0, k);
    this.p.k.add(this.z, this.z, t);
    return this;
  }

  /**
   * += z, this party's share of a 3-of-3 additive sharing made by a protocol round (weighTimes,
   * exp's mask: mulA1BPairAdditive, or mulA1BAdditive). Such shares are correlated with the other parties' seeds, so this does not
   * count as masking: done() still adds a fresh zero-sharing unless a product already did.
   */
  additive(z: BigUint64Array): this {
    if (z.length !== this.n) throw new RangeError(`Acc.additive: ${z.length} elements for ${this.n}`);
    this.p.k.add(this.z, this.z, z);
    return this;
  }

  /** += c (a public ring constant, added by party 0 only). */
  constant(c: bigint): this {
    if (c !== 0n && this.p.id === 0) this.p.k.addScalar(this.z, this.z, c);
    return this;
  }

  /** The finished 3-of-3 share (adds a zero-sharing if no product did). */
  done(): BigUint64Array {
    if (!this.masked) {
      this.p.k.add(this.z, this.z, this.p.prss.zero(this.n));
      this.masked = true;
    }
    return this.z;
  }
}

/** Truncate many 3-of-3 expressions by the same number of bits in one truncAdditive call. */
export async function truncMany(p: Party, zs: readonly BigUint64Array[], bits: number, tag: string): Promise<AShare[]> {
  const total = zs.reduce((t, z) => t + z.length, 0);
  const all = new BigUint64Array(total);
  let o = 0;
  for (const z of zs) {
    all.set(z, o);
    o += z.length;
  }
  const r = await truncAdditive(p, all, [total], bits, tag);
  o = 0;
  return zs.map((z) => {
    const s = aShare([z.length], r.s0.subarray(o, o + z.length), r.s1.subarray(o, o + z.length));
    o += z.length;
    return s;
  });
}
/** truncMany's cost in the truncation mode `tr` (p.truncRounds of the call) at `bits` bits (the 1-round tuples are narrower for ≤ 31 bits). */
export const truncManyCost = (elements: number, tr: TruncRounds = 2, bits = 18): OpCost => truncAdditiveCost(elements, tr, bits);

/** Truncation rounds of a region (Party.truncRounds; withTruncRounds). */
export type TruncRounds = 1 | 2;

/** x [rows] repeated `counts[r]` times per row → [Σ counts] (local). */
export function repeatRows(x: AShare, counts: ArrayLike<number>): AShare {
  let n = 0;
  for (let r = 0; r < counts.length; r++) n += counts[r];
  const s0 = new BigUint64Array(n);
  const s1 = new BigUint64Array(n);
  let o = 0;
  for (let r = 0; r < counts.length; r++) {
    s0.fill(x.s0[r], o, o + counts[r]);
    s1.fill(x.s1[r], o, o + counts[r]);
    o += counts[r];
  }
  return aShare([n], s0, s1);
}

/** A per-column vector v [cols] tiled over `rows` rows → [rows·cols] (local copy). */
export function tileCols(v: AShare, rows: number): AShare {
  const cols = v.s0.length;
  const s0 = new BigUint64Array(rows * cols);
  const s1 = new BigUint64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    s0.set(v.s0, r * cols);
    s1.set(v.s1, r * cols);
  }
  return aShare([rows * cols], s0, s1);
}

/** Rounds saved by Party.dealNextToP0 before a truncation whose result feeds an msb. */
export const MSB_AFTER_P0_TRUNC = 1;
