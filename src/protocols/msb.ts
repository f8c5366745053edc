/**
 * MSB of arithmetic shares (the sign bit, the core of every comparison): 5 online rounds.
 *
 * x = a + b with a = x_0 + x_1 (known to P0) and b = x_2 (known to P1 and P2). msb(x) = a_63 ⊕ b_63 ⊕
 * c_63, c_63 the carry into bit 63 of a + b. P1 and P2 evaluate the carry on a 2-of-2 XOR sharing
 * with P0 as the dealer (dealt-and.ts):
 *   round 1   P0 sends P1 a ⊕ m, m from seed(P0,P2) (so P1 sees a uniform word; P2 takes m):
 *             a = (a ⊕ m) ⊕ m is 2-of-2 between P1 and P2, and b is known to both, so every
 *             generate g_j = a_j ∧ b_j and propagate p_j = a_j ⊕ b_j is a local 2-of-2 share;
 *   rounds 2–4 a radix-4 (generate, propagate) tree over bits 0..62 (63 → 16 → 4 → 1 nodes), each
 *             level one dealt many-input AND round: G = g₃ ⊕ p₃g₂ ⊕ p₃p₂g₁ ⊕ p₃p₂p₁g₀, P = p₃p₂p₁p₀
 *             (the group holding bit 0 never needs its propagate); with radix 8, rounds 2–3
 *             (63 → 8 → 1 nodes, products of up to 8 wires, many more dealt sets);
 *   round 5   the 2-of-2 sign bit becomes a replicated bit share (pairToReplicated); 4 with radix 8.
 * The values are bit-sliced (64 bit-planes of n bits), so every gate works on dense words.
 * Input from a 3-of-3 additive sharing (a local product before its truncation): splitAdditive
 * gives a and b in one P1 ↔ P2 exchange that runs in round 1 beside P0's message, so msbPairOf on
 * it costs the same rounds (+16 B per element); max-early.ts uses it for attention's row max.
 * (PUMA's and ABY3's msb: a binary carry tree on replicated shares, 1 + 1 + 6 = 8 rounds; this
 * one trades offline dealer bytes for 3 online rounds and fewer online bytes.)
 */
import type { OpCost, Party } from './context.js';
import { addCosts, scoped } from './context.js';
import type { WordShare } from './bool.js';
import type { AShare, BitShare } from './share.js';
import { bitShare } from './share.js';
import type { AndCircuit } from './dealt-and.js';
import { dealtAnd, dealtAndBytes, pairToReplicated, pairToReplicatedCost } from './dealt-and.js';

/**
 * Radix of the carry tree. 4 (default) reaches 63 bits in 3 levels (63 → 16 → 4 → 1) with at
 * most 11 dealt sets per group; 8 in 2 levels (63 → 8 → 1), one online round less, but a group
 * of 8 needs up to 367 dealt sets (≈ 17× the offline bytes): meant for small batches, such as
 * highbit's per-row comparisons (see msbRadix8Offline in the cost declaration).
 */
export type CarryRadix = 4 | 8;
/** The tree's inputs: g_0..g_62 are wires 0..62, p_1..p_62 wires 63..124. */
const G_WIRES = 63;

interface Node {
  /** The generate bit as a product of wires (one wire, or a_j ∧ b_j at the leaves of msbPairOfSum). */
  g: readonly number[];
  /** -1 for the node that holds bit 0 (its propagate is never needed). */
  p: number;
}

/** msb's leaves: g_j and p_j are wires (local to P1 and P2 once P0's input message is in). */
const signLeaves = (): Node[] => Array.from({ length: G_WIRES }, (_, j) => ({ g: [j], p: j === 0 ? -1 : G_WIRES + j - 1 }));

/**
 * msbPairOfSum's leaves for x = a + b with a held by P1 and b by P2: wires a_j = 0..62, b_j =
 * 63..125 and p_j = a_j ⊕ b_j = 126..187 (j ≥ 1); g_j = a_j ∧ b_j is a product in the first level.
 */
const SUM_B = G_WIRES;
const SUM_P = 2 * G_WIRES;
const sumLeaves = (): Node[] => Array.from({ length: G_WIRES }, (_, j) => ({ g: [j, SUM_B + j], p: j === 0 ? -1 : SUM_P + j - 1 }));

/** The dealt-AND circuits of the carry tree's levels (public structure, identical at every party). */
function carryLevels(radix: CarryRadix, leaves: Node[] = signLeaves()): AndCircuit[] {
  let nodes: Node[] = leaves;
  const levels: AndCircuit[] = [];
  while (nodes.length > 1) {
    const circuit: (readonly (readonly number[])[])[] = [];
    const next: Node[] = [];
    for (let lo = 0; lo < nodes.length; lo += radix) {
      const grp = nodes.slice(lo, lo + radix);
      const top = grp.length - 1;
      const gProducts: number[][] = [];
      for (let j = top; j >= 0; j--) {
        // g_j ∧ p_{j+1} ∧ … ∧ p_top
        const prod = [...grp[j].g];
        for (let h = j + 1; h <= top; h++) prod.push(grp[h].p);
        gProducts.push(prod);
      }
      const g = circuit.push(gProducts) - 1;
      let pOut = -1;
      if (grp[0].p >= 0) pOut = circuit.push([grp.map((q) => q.p)]) - 1;
      next.push({ g: [g], p: pOut });
    }
    levels.push(circuit);
    nodes = next;
  }
  return levels;
}
const LEVELS: Record<CarryRadix, AndCircuit[]> = { 4: carryLevels(4), 8: carryLevels(8) };
/** msbPairOfSum's tree (radix 4: its first level's products have up to 5 wires). */
const SUM_LEVELS: AndCircuit[] = carryLevels(4, sumLeaves());

/** Boolean sharings of a = x_0 + x_1 (input by P0) and b = x_2, as word arrays [n]. */
export async function splitSum(p: Party, x: AShare, tag: string): Promise<{ a: WordShare; b: WordShare }> {
  const n = x.s0.length;
  const { comm, k, prss } = p;
  const zero = () => new BigUint64Array(n);
  if (p.id === 0) {
    const a = new BigUint64Array(n);
    k.add(a, x.s0, x.s1);
    const g0 = prss.prev.ring(n); // seed shared with P2
    const g1 = new BigUint64Array(n);
    k.xor(g1, a, g0);
    comm.sendU64(1, tag, g1);
    return { a: { s0: g0, s1: g1 }, b: { s0: zero(), s1: zero() } };
  }
  if (p.id === 1) {
    const g1 = await comm.recvU64(0, tag, n);
    return { a: { s0: g1, s1: zero() }, b: { s0: zero(), s1: x.s1 } };
  }
  const g0 = prss.next.ring(n); // seed shared with P0
  return { a: { s0: zero(), s1: g0 }, b: { s0: x.s0, s1: zero() } };
}

function planes(p: Party, w: BigUint64Array, n: number): BigUint64Array {
  const out = new BigUint64Array(64 * Math.ceil(n / 64));
  p.k.bitPlanes(out, w, n);
  return out;
}

/** The evaluators' level-1 wires: g_j = a_j ∧ b_j and p_j = a_j ⊕ b_j on their halves of a (b is known to both). */
function treeInputs(p: Party, A: BigUint64Array, B: BigUint64Array, W: number): BigUint64Array {
  const { k } = p;
  const wires = new BigUint64Array((2 * G_WIRES - 1) * W);
  k.and(wires.subarray(0, G_WIRES * W), A.subarray(0, G_WIRES * W), B.subarray(0, G_WIRES * W));
  const pw = wires.subarray(G_WIRES * W);
  if (p.id === 1) k.xor(pw, A.subarray(W, G_WIRES * W), B.subarray(W, G_WIRES * W));
  else pw.set(A.subarray(W, G_WIRES * W)); // P2's half of p_j is its half of a_j (b goes to P1's)
  return wires;
}

/**
 * The sign bits of x as a 2-of-2 XOR sharing of P1 and P2 (packed, [⌈n/64⌉] words; P0: null):
 * rounds 1–4 of msb. Consumers that go on with dealt ANDs (the row max's winner bits) take this
 * form directly and convert once, after their own gates.
 */
export function msbPair(p: Party, x: AShare, radix: CarryRadix = 4): Promise<BigUint64Array | null> {
  return scoped(p, 'msb', () => signPair(p, signInput(p, x), radix));
}

/** msbPair on x = a + b given as its two addends (signInput, splitAdditive). */
export function msbPairOf(p: Party, x: SignInput, radix: CarryRadix = 4): Promise<BigUint64Array | null> {
  return scoped(p, 'msb', () => signPair(p, x, radix));
}

/**
 * The two addends msb adds, x = a + b: a known to P0 (null elsewhere), b known to P1 and P2 (null
 * at P0). Linear maps act on both (signInputDiff), so differences cost nothing.
 */
export interface SignInput {
  readonly n: number;
  readonly a: BigUint64Array | null;
  readonly b: BigUint64Array | null;
}

/** From a replicated x: a = x_0 + x_1, b = x_2 (local). */
export function signInput(p: Party, x: AShare): SignInput {
  const n = x.s0.length;
  if (p.id !== 0) return { n, a: null, b: p.id === 1 ? x.s1 : x.s0 };
  const a = new BigUint64Array(n);
  p.k.add(a, x.s0, x.s1);
  return { n, a, b: null };
}

/**
 * From a 3-of-3 additive z (party i holds z_i, e.g. a local product before its truncation), in one
 * round that runs beside msb's input round, so msb on z costs msb's rounds:
 *   P0: a = z_0 + ρ_1 + ρ_2, ρ_1 from seed(P0,P1), ρ_2 from seed(P0,P2); sends nothing here;
 *   P1 sends P2 z_1 − ρ_1 (masked by ρ_1, which P2 lacks), P2 sends P1 z_2 − ρ_2 (masked by ρ_2,
 *   which P1 lacks); both then hold b = z_1 + z_2 − ρ_1 − ρ_2.               1 round, 16 B/element
 * P1 later sees a only as a ⊕ m (msb's input, m from seed(P0,P2)); a is uniform to P1 and P2.
 */
export async function splitAdditive(p: Party, z: BigUint64Array, tag: string): Promise<SignInput> {
  const n = z.length;
  const { comm, k, prss } = p;
  if (p.id === 0) {
    const a = new BigUint64Array(n);
    k.add(a, z, prss.next.ring(n)); // ρ_1
    k.add(a, a, prss.prev.ring(n)); // ρ_2
    return { n, a, b: null };
  }
  const other = p.id === 1 ? 2 : 1;
  const mine = new BigUint64Array(n);
  k.sub(mine, z, p.id === 1 ? prss.prev.ring(n) : prss.next.ring(n)); // z_i − ρ_i (seed with P0)
  comm.sendU64(other, `${tag}/split`, mine);
  const b = await comm.recvU64(other, `${tag}/split`, n);
  k.add(b, b, mine);
  return { n, a: null, b };
}

/** splitAdditive's cost: its round is msb's input round when msbPairOf follows (see SPLIT_BESIDE_MSB). */
export const splitAdditiveCost = (n: number): OpCost => ({ rounds: 1, bytesTotal: 16 * n });
/** Rounds splitAdditive adds in front of msbPairOf: none (P0's input message goes out in the same round). */
export const SPLIT_BESIDE_MSB = 1;

/** x[i[t]] − x[j[t]] for every t, on both addends (public index lists, local). */
export function signInputDiff(x: SignInput, i: Int32Array, j: Int32Array): SignInput {
  const d = (w: BigUint64Array | null): BigUint64Array | null => {
    if (!w) return null;
    const out = new BigUint64Array(i.length);
    for (let t = 0; t < i.length; t++) out[t] = w[i[t]] - w[j[t]]; // stored mod 2^64
    return out;
  };
  return { n: i.length, a: d(x.a), b: d(x.b) };
}

async function signPair(p: Party, x: SignInput, radix: CarryRadix): Promise<BigUint64Array | null> {
  const levels = LEVELS[radix];
  if (!levels) throw new RangeError(`msb: carry-tree radix must be 4 or 8, got ${radix}`);
  const n = x.n;
  const W = Math.ceil(n / 64);
  const { comm, k, prss } = p;
  if (p.id === 0) {
    const a = new BigUint64Array(n);
    k.xor(a, x.a as BigUint64Array, prss.prev.ring(n)); // m from seed(P0,P2)
    comm.sendU64(1, 'msb/input', a);
    for (const [i, circuit] of levels.entries()) await dealtAnd(p, null, W, circuit, `msb/l${i}`);
    return null;
  }
  const aHalf = p.id === 1 ? await comm.recvU64(0, 'msb/input', n) : prss.next.ring(n);
  const A = planes(p, aHalf, n);
  const B = planes(p, x.b as BigUint64Array, n);
  let wires: BigUint64Array | null = treeInputs(p, A, B, W);
  for (const [i, circuit] of levels.entries()) wires = await dealtAnd(p, wires, W, circuit, `msb/l${i}`);
  const sign = wires as BigUint64Array; // the carry c_63
  k.xor(sign, sign, A.subarray(63 * W, 64 * W));
  if (p.id === 1) k.xor(sign, sign, B.subarray(63 * W, 64 * W));
  return sign;
}

/**
 * The sign bits of x = a + b where a is P1's and b is P2's (a 2-of-2 ADDITIVE sharing, e.g. the
 * row max's selections before their reshare: mulA1BPairAdditive), as P1/P2's 2-of-2 XOR sharing
 * ([⌈n/64⌉] words; P0: null), in 3 rounds: no input round, because each evaluator already holds
 * its addend. The carry tree's leaves are the bit planes a_j (P1's, P2 holds 0), b_j (P2's, P1
 * holds 0) and p_j = a_j ⊕ b_j (each its own plane); g_j = a_j ∧ b_j is taken as a product inside
 * the first dealt level (products of up to 5 wires), so the tree keeps msbPair's 3 levels. Every
 * message is dealtAnd's: openings masked by P0's seeds, P0 receives nothing.
 * `y`: P1's a or P2's b [n]; P0: null.
 */
export function msbPairOfSum(p: Party, y: BigUint64Array | null, n: number): Promise<BigUint64Array | null> {
  return scoped(p, 'msb', async () => {
    const W = Math.ceil(n / 64);
    if (p.id === 0) {
      for (const [i, circuit] of SUM_LEVELS.entries()) await dealtAnd(p, null, W, circuit, `msb/s${i}`);
      return null;
    }
    if (!y || y.length !== n) throw new RangeError(`msbPairOfSum: evaluator needs its ${n} addends`);
    const Y = planes(p, y, n);
    const wires = new BigUint64Array((3 * G_WIRES - 1) * W);
    wires.set(Y.subarray(0, G_WIRES * W), (p.id === 1 ? 0 : SUM_B) * W); // a_j at P1, b_j at P2 (the other holds 0)
    wires.set(Y.subarray(W, G_WIRES * W), SUM_P * W); // its half of p_j, j = 1..62
    let cur: BigUint64Array | null = wires;
    for (const [i, circuit] of SUM_LEVELS.entries()) cur = await dealtAnd(p, cur, W, circuit, `msb/s${i}`);
    const sign = cur as BigUint64Array; // the carry c_63
    p.k.xor(sign, sign, Y.subarray(63 * W, 64 * W)); // ⊕ its half of p_63
    return sign;
  });
}

/** msbPairOfSum: the three dealt levels (online openings, offline dealt sets). */
export const msbPairOfSumCost = (n: number): OpCost => treeCost(SUM_LEVELS, n);

/** Shared sign bits of x (1 where x, read as a signed 64-bit integer, is negative). */
export function msb(p: Party, x: AShare, radix: CarryRadix = 4): Promise<BitShare> {
  return scoped(p, 'msb', async () => {
    const n = x.s0.length;
    const sign = await signPair(p, signInput(p, x), radix);
    const out = await pairToReplicated(p, sign, Math.ceil(n / 64), 'msb/out');
    return bitShare(n, out.s0, out.s1);
  });
}

/**
 * Shared sign bits of a 3-of-3 additive z (party i holds z_i, already masked by a fresh
 * zero-sharing, e.g. an Acc.done() sum before its truncation): splitAdditive beside msb's input
 * round, then msb's tree and exchange — msb's rounds, + 16 B per element.
 */
export function msbAdditive(p: Party, z: BigUint64Array, tag: string, radix: CarryRadix = 4): Promise<BitShare> {
  return scoped(p, 'msb', async () => {
    const n = z.length;
    const sign = await signPair(p, await splitAdditive(p, z, tag), radix);
    const out = await pairToReplicated(p, sign, Math.ceil(n / 64), 'msb/out');
    return bitShare(n, out.s0, out.s1);
  });
}

export const msbAdditiveCost = (n: number, radix: CarryRadix = 4): OpCost => addCosts(msbCost(n, radix), { rounds: 0, bytesTotal: splitAdditiveCost(n).bytesTotal });

/** msbPair: P0's input word and the tree's openings online, the dealt sets offline. */
export const msbPairCost = (n: number, radix: CarryRadix = 4): OpCost => addCosts({ rounds: 1, bytesTotal: 8 * n }, treeCost(LEVELS[radix], n));

/** msbPairOf on splitAdditive's addends of the same n values (highbit's early comparisons): the split's round runs beside msb's input round (SPLIT_BESIDE_MSB). */
export const msbPairOfSplitCost = (n: number, radix: CarryRadix = 4): OpCost =>
  addCosts(splitAdditiveCost(n), { rounds: -SPLIT_BESIDE_MSB, bytesTotal: 0 }, msbPairCost(n, radix));

/** A carry tree's dealt levels over n elements: one round each, openings online, dealt sets offline. */
function treeCost(levels: readonly AndCircuit[], n: number): OpCost {
  const W = Math.ceil(n / 64);
  let online = 0;
  let offline = 0;
  for (const c of levels) {
    const b = dealtAndBytes(c, W);
    online += b.online;
    offline += b.offline;
  }
  return { rounds: levels.length, bytesTotal: online, offlineBytesTotal: offline };
}

/** msb = msbPair + the final exchange (pairToReplicated). */
export const msbCost = (n: number, radix: CarryRadix = 4): OpCost => addCosts(msbPairCost(n, radix), pairToReplicatedCost(n));
