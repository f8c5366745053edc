/**
 * Row softmax on shares (PUMA §4.3), along the last axis of x [..., C]:
 *
 *   m = row max (grouped tournament, src/protocols/max.ts; ≤ 64 keys: one all-pairs
 *       level, 9 rounds for 33 keys)
 *   d = x − m ≤ 0 (local)
 *   e = exp(d), zeroed where d < −14 (exp.ts: the mask is one msb beside the power chain,
 *       applied to the result, so masked terms are exactly 0 before the sum)   7 rounds (1-round truncations)
 *   s = Σ_row e (local); r = 1/s, one reciprocal per row (s ∈ [1, C])    fReciprocal
 *   y = e·r                                                               1 or 2 rounds (softmax.truncRounds)
 *
 * Public causal masks: `rowLengths[r]` keeps the first rowLengths[r] columns of row r; the
 * others are SKIPPED — never compared, exponentiated or summed — and output exactly 0. Rows
 * are packed without padding, so a causal [n, n] softmax costs about half a full one.
 *
 * The reciprocal runs with `recipExtraBits` more fractional bits (1/s ≥ 1/C would otherwise
 * keep only f − log2 C bits), and its range is known (s ∈ [1 − ε, C]): a few comparisons per
 * row. Default exp: degree-4 Taylor base, 3 squarings (config.ts): PUMA's (1 + x/32)^32 gives
 * ~0.02 max error on softmax rows of ±30 logits; this gives ~1e-3 at the same cost.
 *
 * The steps are exported for attention (softmax-matmul.ts: N = e·V beside the reciprocal, then
 * y = N·r; attention.ts: the row max started on untruncated scores): softmaxNumerators /
 * expNumerators (row max, exp), rowReciprocals, packRows / unpackRows.
 *
 * Input range: logits with |x_i − x_j| < 2^(62 − f) within a row (comparisons and d must not
 * wrap); the result does not depend on the logits' absolute size otherwise.
 */
import type { OpCost, Party } from '../protocols/context.js';
import type { LazyBranch } from '../protocols/context.js';
import { lazyBranch, scoped, withTruncRounds } from '../protocols/context.js';
import { subAA } from '../protocols/arith.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import type { ApproxConfig } from './config.js';
import { DEFAULT_APPROX_CONFIG } from './config.js';
import { Acc, repeatRows, truncMany, truncManyCost } from './fused-products.js';
import { addCosts } from '../protocols/context.js';
import { expSplit, expSplitCost, startExpTuples } from './exp.js';
import type { EarlyTuples } from '../protocols/trunc-round1.js';
import { raggedMax, raggedMaxCost } from '../protocols/max.js';
import type { ReciprocalOptions } from './reciprocal.js';
import { fReciprocal, fReciprocalCost } from './reciprocal.js';

export interface SoftmaxOptions {
  /** Kept (leading) columns per row, each in [0, C]; the rest are skipped and output 0. */
  readonly rowLengths?: ArrayLike<number>;
  /**
   * Softmax of x·2^−inputShift (integer in [0, 16]): a public power-of-two scale such as
   * attention's 1/√64 = 2^−3, folded into the exponential's input scale at no cost (the row max
   * commutes with a positive scale). Default 0.
   */
  readonly inputShift?: number;
}

/** Row lengths of a causal mask over R rows = blocks of `queryLen` queries starting at `offset`. */
export function causalRowLengths(rows: number, cols: number, queryLen: number, offset: number): Int32Array {
  if (rows % queryLen !== 0 || offset + queryLen > cols) throw new RangeError(`causal mask: ${rows} rows / queryLen ${queryLen} / offset ${offset} do not fit ${cols} columns`);
  return Int32Array.from({ length: rows }, (_, r) => offset + (r % queryLen) + 1);
}

function lengths(rows: number, cols: number, given?: ArrayLike<number>): number[] {
  if (!given) return new Array<number>(rows).fill(cols);
  if (given.length !== rows) throw new RangeError(`softmax: ${given.length} row lengths for ${rows} rows`);
  const out = Array.from(given);
  out.forEach((v, r) => {
    if (!Number.isInteger(v) || v < 0 || v > cols) throw new RangeError(`softmax: row ${r} keeps ${v} of ${cols} columns`);
  });
  return out;
}

const recipOpts = (cfg: ApproxConfig, f: number, maxLen: number): ReciprocalOptions => ({
  positive: true,
  minAbs: 0.5,
  maxAbs: maxLen * 1.01 + 1,
  outScale: recipScale(cfg, f),
});

/** Softmax along the last axis of x [..., C]. */
export function fSoftmax(p: Party, x: AShare, opts: SoftmaxOptions = {}, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG): Promise<AShare> {
  return scoped(p, 'softmax', async () => {
    const num = await softmaxNumerators(p, x, opts, cfg);
    if (!num) return aShare(x.shape, new BigUint64Array(x.s0.length), new BigUint64Array(x.s0.length));
    const inv = await rowReciprocals(p, num, cfg);
    const e = await num.e.take(p);
    const z = new Acc(p, e.s0.length).product(e, repeatRows(inv, num.kept)).done();
    const [y] = await withTruncRounds(p, cfg.softmax.truncRounds, () => truncMany(p, [z], recipScale(cfg, p.cfg.fracBits), 'softmax/scale'));
    return unpackRows(y, num.lens, x.shape);
  });
}

/**
 * The kept entries of every row, packed without padding (rows of length 0 contribute nothing),
 * and their exponentials after the row max: e = exp(x·2^−shift − max) ∈ [0, 1] at scale f.
 * Shared by fSoftmax and fSoftmaxMatmul (softmax-matmul.ts).
 */
export interface Numerators {
  /** [Σ lens] packed exponentials, row after row (replicated: a lazy branch, see expSplit). */
  readonly e: LazyBranch<AShare>;
  /** The same as a zero-masked 3-of-3 sharing, one round earlier (the row sums' comparisons start on it). */
  readonly eAdd: BigUint64Array;
  /** Kept columns of every row (0 allowed). */
  readonly lens: readonly number[];
  /** The non-zero entries of lens, in row order (one per row that has a reciprocal). */
  readonly kept: readonly number[];
}

/** Row max then exp over x [..., C]'s kept entries; null when no row keeps anything. */
export async function softmaxNumerators(p: Party, x: AShare, opts: SoftmaxOptions, cfg: ApproxConfig): Promise<Numerators | null> {
  const C = x.shape[x.shape.length - 1];
  const lens = rowLengthsOf(C ? x.s0.length / C : 0, C, opts.rowLengths);
  const kept = lens.filter((v) => v > 0);
  if (kept.length === 0) return null;
  const xp = aShare([kept.reduce((t, v) => t + v, 0)], packRows(x.s0, lens, C), packRows(x.s1, lens, C));
  const early = startNumeratorTuples(p, xp.s0.length, opts, cfg); // made during the row max
  const m = await raggedMax(p, xp, kept, rowMaxArity(cfg, kept));
  return expNumerators(p, xp, m, lens, opts, cfg, early);
}

/** The exp's tuples for n kept entries, started before the row max (1-round mode; else none). */
export function startNumeratorTuples(p: Party, n: number, opts: SoftmaxOptions, cfg: ApproxConfig): EarlyTuples | undefined {
  return cfg.softmax.truncRounds === 1 ? startExpTuples(p, n, cfg.softmax.exp, opts.inputShift ?? 0) : undefined;
}

/** e = exp(xp·2^−shift − m) for packed kept entries xp [Σ lens] and their row maxima m [kept rows]; `early`: startNumeratorTuples'. */
export async function expNumerators(p: Party, xp: AShare, m: AShare, lens: readonly number[], opts: SoftmaxOptions, cfg: ApproxConfig, early?: EarlyTuples): Promise<Numerators> {
  const kept = lens.filter((v) => v > 0);
  const d = subAA(p, xp, repeatRows(m, kept));
  // in cfg.softmax.truncRounds' protocol; the 3-of-3 result feeds the reciprocal's comparisons
  const { additive, kept: e } = await withTruncRounds(p, cfg.softmax.truncRounds, () => expSplit(p, d, cfg.softmax.exp, opts.inputShift ?? 0, early));
  return { e, eAdd: additive, lens, kept };
}

/** The kept (leading) entries of every row of w [rows·C], packed row after row → [Σ lens]. */
export function packRows(w: BigUint64Array, lens: readonly number[], C: number): BigUint64Array {
  const out = new BigUint64Array(lens.reduce((t, v) => t + v, 0));
  let o = 0;
  lens.forEach((len, r) => {
    out.set(w.subarray(r * C, r * C + len), o);
    o += len;
  });
  return out;
}

/** Row lengths of a [rows, cols] softmax (all cols when not given), validated. */
export const rowLengthsOf = (rows: number, cols: number, given?: ArrayLike<number>): number[] => lengths(rows, cols, given);

/** 1/Σ_row e for every kept row [kept.length], at scale recipScale (f + recipExtraBits). */
export function rowReciprocals(p: Party, num: Numerators, cfg: ApproxConfig): Promise<AShare> {
  const { kept } = num;
  const rowSums = (w: BigUint64Array): BigUint64Array => {
    const s = new BigUint64Array(kept.length);
    let o = 0;
    kept.forEach((len, r) => {
      p.k.sumRows(s.subarray(r, r + 1), w.subarray(o, o + len), 1, len);
      o += len;
    });
    return s;
  };
  // the comparisons start on the 3-of-3 sums; the replicated sums follow on a lazy branch (e's re-sharing round)
  const z = rowSums(num.eAdd);
  const x = lazyBranch(p, 'sums', async (q) => {
    const e = await num.e.take(q);
    return aShare([kept.length], rowSums(e.s0), rowSums(e.s1));
  });
  return withTruncRounds(p, cfg.softmax.truncRounds, () => fReciprocal(p, { z, shift: 0, x }, recipOpts(cfg, p.cfg.fracBits, longest(kept)), cfg));
}

/** Fractional bits of rowReciprocals' output. */
export const recipScale = (cfg: ApproxConfig, fracBits: number): number => fracBits + cfg.softmax.recipExtraBits;

/** Packed rows [Σ lens] back to `shape` [..., C] (C = the last axis); skipped entries exactly 0. */
export function unpackRows(y: AShare, lens: readonly number[], shape: readonly number[]): AShare {
  const C = shape[shape.length - 1];
  const out0 = new BigUint64Array(lens.length * C);
  const out1 = new BigUint64Array(lens.length * C);
  let o = 0;
  lens.forEach((len, r) => {
    out0.set(y.s0.subarray(o, o + len), r * C);
    out1.set(y.s1.subarray(o, o + len), r * C);
    o += len;
  });
  return aShare(shape, out0, out1);
}

const longest = (kept: readonly number[]): number => kept.reduce((a, v) => Math.max(a, v), 0);

/** The row-max tournament's group bound: one level for short rows (config oneLevelUpTo), else maxArity. */
export function rowMaxArity(cfg: ApproxConfig, kept: readonly number[]): number {
  const L = kept.reduce((a, v) => Math.max(a, v), 0);
  return L <= cfg.softmax.oneLevelUpTo ? Math.max(2, L, cfg.softmax.maxArity) : cfg.softmax.maxArity;
}

/** Kept row lengths (non-zero entries) of a [rows, cols] softmax. */
export function keptLengths(rows: number, cols: number, rowLengths?: ArrayLike<number>): number[] {
  return rowLengthsOf(rows, cols, rowLengths).filter((v) => v > 0);
}

/** Declared cost of softmaxNumerators over these kept rows (row max + exp). */
export function softmaxNumeratorsCost(kept: readonly number[], cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18, inputShift = 0): OpCost {
  const N = kept.reduce((t, v) => t + v, 0);
  const ex = expSplitCost(N, cfg.softmax.exp, fracBits, inputShift, cfg.softmax.truncRounds);
  // e's replicated form (its mulA1B) runs beside the reciprocal's comparisons: its bytes, no rounds
  return addCosts(raggedMaxCost(kept, rowMaxArity(cfg, kept)), ex.main, { ...ex.kept, rounds: 0 });
}

/** Declared cost of rowReciprocals over these kept rows. */
export function rowReciprocalsCost(kept: readonly number[], cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18): OpCost {
  return fReciprocalCost(kept.length, recipOpts(cfg, fracBits, longest(kept)), cfg, fracBits, cfg.softmax.truncRounds, true);
}

/** Declared cost of fSoftmax over [rows, cols] (optionally ragged). */
export function fSoftmaxCost(rows: number, cols: number, rowLengths?: ArrayLike<number>, cfg: ApproxConfig = DEFAULT_APPROX_CONFIG, fracBits = 18, inputShift = 0): OpCost {
  const kept = keptLengths(rows, cols, rowLengths);
  const N = kept.reduce((t, v) => t + v, 0);
  if (N === 0) return { rounds: 0, bytesTotal: 0 };
  return addCosts(
    softmaxNumeratorsCost(kept, cfg, fracBits, inputShift),
    rowReciprocalsCost(kept, cfg, fracBits),
    truncManyCost(N, cfg.softmax.truncRounds, recipScale(cfg, fracBits)),
  );
}
