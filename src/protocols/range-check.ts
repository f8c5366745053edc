/**
 * Checked mode: detect out-of-range values with a batched secure comparison, and abort.
 *
 * What is checked:
 * - every truncation input x (truncA, truncAdditive and so fMul, fMatmul and every fused product
 *   in src/approx): the probabilistic truncation is only correct for x ∈ [−2^62, 2^62) (real
 *   ±2^(62−f), ±2^44 at f = 18; for a product at scale 2f, real ±2^(62−2f) = ±2^26). The
 *   truncation already holds a free replicated sharing of x + 2^62: c = x + 2^62 + r_A + r_B is
 *   public to the evaluators A and B, r_A is known to A and the dealer D, r_B to B and D, so
 *   (c, −r_A, −r_B) is a 2-of-3 sharing of x + 2^62 with no communication (trunc.ts records it).
 *   x is in range iff msb(x + 2^62) = 0.
 * - explicit upper bounds `x < B` (checkBelow), e.g. the norms' variance sum, whose overflow
 *   would not show in a truncation: out of range iff msb((B − 1) − x) = 1.
 *
 * Records are batched until `flush(group)`: ONE msb over every recorded element, an OR tree
 * (any-bit.ts) and the reveal of that single bit to the three parties; if it is 1, every party
 * throws MpcError MPC_ERR_RANGE naming the group (an op, or a layer: see SecureOps).
 *
 * LEAKAGE of checked mode: exactly one bit per flush, "some checked value of this group was out
 * of range: yes/no". The msb and the AND tree are the ordinary protocols, masked as everywhere
 * (msb's input bits by seed(P0,P2), every AND by a fresh XOR zero-sharing); the revealed word
 * carries the flag in bit 0 and zeros elsewhere. In an honest run on in-range data the flag is
 * always 0, so the run's transcript tells nothing beyond "in range".
 *
 * The check runs on its own randomness (Party.sidecar: Prss.derive), so the main computation draws
 * exactly the same random values as without it: checked and unchecked runs give bit-identical
 * outputs. Forked branches (Party.fork) record into child recorders held in fork order, so the
 * three parties lay the records out identically however the branches interleave.
 *
 * Cost per flush of N recorded elements: msb(N) + anyBit(N) + 1 round (rangeCheckCost); the
 * recording itself is free. Not checked: lanes whose value is discarded by an exact selection
 * (piecewise polynomials outside their segment, exp's base below the mask), run inside
 * `withoutRangeCheck`.
 */
import type { OpCost, Party, RangeSink } from './context.js';
import { addCosts, scoped } from './context.js';
import { MpcError } from './errors.js';
import { msb, msbCost } from './msb.js';
import { anyBit, anyBitCost } from './any-bit.js';
import type { AShare } from './share.js';
import { aShare } from './share.js';

interface Pending {
  label: string;
  s0: BigUint64Array;
  s1: BigUint64Array;
}

/**
 * The records of one context. A forked branch (Party.fork) gets a child recorder in the slot of
 * its fork, so the records are laid out in program order whatever order concurrent branches run
 * in (the three parties must lay them out identically).
 */
export class RangeRecorder implements RangeSink {
  protected pending: (Pending | RangeRecorder)[] = [];
  private paused: number;

  constructor(
    protected readonly p: Party,
    paused = 0,
  ) {
    this.paused = paused;
  }

  branch(child: Party): RangeRecorder {
    const r = new RangeRecorder(child, this.paused);
    this.pending.push(r);
    return r;
  }

  /** Everything recorded here and in branches, in program order; empties the recorder. */
  protected take(): Pending[] {
    const out: Pending[] = [];
    for (const e of this.pending) {
      if (e instanceof RangeRecorder) out.push(...e.take());
      else out.push(e);
    }
    this.pending = [];
    return out;
  }

  recordTrunc(tag: string, s0: BigUint64Array, s1: BigUint64Array): void {
    if (this.paused) return;
    this.pending.push({ label: labelOf(this.p, tag), s0: s0.slice(), s1: s1.slice() });
  }

  /** Record the requirement x < bound (a public ring integer; x at its own scale). */
  recordBelow(label: string, x: AShare, bound: bigint): void {
    if (this.paused) return;
    const n = x.s0.length;
    const { k } = this.p;
    const s0 = new BigUint64Array(n);
    const s1 = new BigUint64Array(n);
    k.neg(s0, x.s0);
    k.neg(s1, x.s1);
    const c = BigInt.asUintN(64, bound - 1n);
    if (this.p.id === 0) k.addScalar(s0, s0, c);
    if (this.p.id === 2) k.addScalar(s1, s1, c);
    this.pending.push({ label: labelOf(this.p, label), s0, s1 });
  }

  /** Run `fn` without recording (its out-of-range lanes are discarded exactly by the caller). */
  async unrecorded<T>(fn: () => Promise<T>): Promise<T> {
    this.paused++;
    try {
      return await fn();
    } finally {
      this.paused--;
    }
  }
}

/** The root context's recorder: it also runs the checks. */
export class RangeChecker extends RangeRecorder {
  private readonly cp: Party;
  /** Every flush: its group and element count (public: shapes only), for cost reports and tests. */
  readonly log: { group: string; elements: number }[] = [];

  constructor(p: Party) {
    super(p);
    // the check's own randomness on a sidecar context; the party's streams are untouched
    this.cp = p.sidecar('range-check');
  }

  /**
   * Check everything recorded so far (nothing to do if empty): one msb, one OR tree, one bit
   * revealed. Throws MPC_ERR_RANGE at every party when the bit is 1.
   */
  async flush(group: string): Promise<void> {
    const items = this.take();
    if (!items.length) return;
    const N = items.reduce((t, e) => t + e.s0.length, 0);
    const s0 = new BigUint64Array(N);
    const s1 = new BigUint64Array(N);
    let o = 0;
    for (const e of items) {
      s0.set(e.s0, o);
      s1.set(e.s1, o);
      o += e.s0.length;
    }
    const cp = this.cp;
    const out = await scoped(cp, 'rangeCheck', async () => {
      const bits = await msb(cp, aShare([N], s0, s1));
      const any = await anyBit(cp, bits, 'range/or');
      // reveal the one bit (bit 0 of one word; the other bits are 0 in every component)
      cp.comm.sendU64(cp.comm.next, 'range/flag', any.s0);
      const missing = await cp.comm.recvU64(cp.comm.prev, 'range/flag', 1);
      return (any.s0[0] ^ any.s1[0] ^ missing[0]) & 1n;
    });
    this.log.push({ group, elements: N });
    if (out === 1n) {
      const ops = [...new Set(items.map((e) => e.label))];
      const shown = ops.length > 6 ? [...ops.slice(0, 6), `… ${ops.length - 6} more`] : ops;
      throw new MpcError(
        'MPC_ERR_RANGE',
        `party ${this.p.id}: a value beyond its fixed-point range in '${group}' (one of ${N} checked values of: ${shown.join(', ')}); the result would be wrong, session aborted`,
        { tag: group },
      );
    }
  }
}

function labelOf(p: Party, tag: string): string {
  const path = p.meter.path;
  if (!path || path === tag || path.endsWith(`/${tag}`)) return path || tag;
  return `${path}:${tag}`;
}

/** Declared cost of one flush over N recorded elements (rounds, bytes summed over the parties). */
export function rangeCheckCost(N: number): OpCost {
  if (N === 0) return { rounds: 0, bytesTotal: 0 };
  return addCosts(msbCost(N), anyBitCost(N), { rounds: 1, bytesTotal: 3 * 8 });
}

/** Turn checked mode on for this party (idempotent); returns the checker. */
export function enableRangeCheck(p: Party): RangeChecker {
  if (p.rangeCheck instanceof RangeChecker) return p.rangeCheck;
  const rc = new RangeChecker(p);
  p.rangeCheck = rc;
  return rc;
}

/** `fn` with truncation recording suspended (no-op when checked mode is off). */
export function withoutRangeCheck<T>(p: Party, fn: () => Promise<T>): Promise<T> {
  return p.rangeCheck instanceof RangeRecorder ? p.rangeCheck.unrecorded(fn) : fn();
}

/** In checked mode, require x < bound (public ring integer at x's scale); free until the flush. */
export function checkBelow(p: Party, label: string, x: AShare, bound: bigint): void {
  if (p.rangeCheck instanceof RangeRecorder) p.rangeCheck.recordBelow(label, x, bound);
}

/** In checked mode, check what was recorded (see RangeChecker.flush); a no-op otherwise. */
export function flushRangeCheck(p: Party, group: string): Promise<void> {
  return p.rangeCheck instanceof RangeChecker ? p.rangeCheck.flush(group) : Promise.resolve();
}
