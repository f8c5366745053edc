/**
 * Many-input AND gates in one online round, with P0 as the dealer (the multi-input gates with
 * preprocessed mask products of ABY2.0, Patra et al., USENIX Security 2021, with the third
 * party of the honest-majority setting producing the preprocessing):
 * P1 and P2 hold a 2-of-2 XOR sharing of every input bit-plane ("wire"), P0 holds nothing.
 *
 *   offline  for every opened wire i: masks r_i = r_i¹ ⊕ r_i², r_i¹ from seed(P0,P1) and r_i² from
 *            seed(P0,P2), so P0 knows r_i and P1, P2 each know one half. For every set S of ≥ 2
 *            wires that some product needs, P0 deals R_S = ∧_{i∈S} r_i: P1's share ρ_S comes from
 *            seed(P0,P1), P2's share R_S ⊕ ρ_S is sent P0 → P2 (masked by ρ_S, which P2 lacks).
 *   online   one round: P1 sends P2 w_i¹ ⊕ r_i¹ (masked by r_i¹: seed(P0,P1), unknown to P2) and P2
 *            sends P1 w_i² ⊕ r_i² (masked by r_i²: seed(P0,P2), unknown to P1); both now know
 *            d_i = w_i ⊕ r_i. A product over a set T of wires is then linear in the dealt shares:
 *              ∧_{i∈T} w_i = ⊕_{S⊆T} (∧_{i∈T∖S} d_i) ∧ R_S   (R_∅ = 1, R_{i} = r_i),
 *            so each output (an XOR of such products) is computed locally, still 2-of-2.
 * P0 receives nothing and never waits, so it deals ahead of the evaluators; the dealt frame is
 * offline material (Comm.sendU64Offline: a function of P0's seeds alone).
 *
 * Cost per call: 1 online round; online bytes 2·8·W per opened wire (W words per plane); offline
 * bytes 8·W per dealt set S.
 */
import type { OpCost, Party } from './context.js';
import { addCosts } from './context.js';

/** Output o = XOR of its products; a product is a list of distinct wire indices (length ≥ 1). */
export type AndCircuit = readonly (readonly (readonly number[])[])[];

interface Plan {
  /** Wires that appear in a product of ≥ 2 wires (they are opened), ascending. */
  opened: number[];
  /** Sets of ≥ 2 wires whose mask products are dealt, in first-use order. */
  sets: number[][];
  /** Per dealt set: the slots (indices into `opened`) of its wires. */
  setSlots: Int32Array[];
  /** The circuit's products in order, compiled to indices (evaluated without lookups). */
  products: Product[];
  /** Widest product (wires). */
  maxWires: number;
}

/** One product of an output, compiled. */
interface Product {
  readonly out: number;
  /** A one-wire product: that wire (XORed in as is); −1 otherwise. */
  readonly single: number;
  /** Slots of the product's wires, ascending by wire. */
  readonly slots: Int32Array;
  /** Per subset mask m of the wires (1 ≤ m < 2^t): its slot (one wire: mask r_i) or dealt set index (≥ 2). */
  readonly src: Int32Array;
}

const key = (s: readonly number[]): string => s.join(',');

function subsetsOf(t: readonly number[], mask: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < t.length; j++) if (mask & (1 << j)) out.push(t[j]);
  return out;
}

const plans = new WeakMap<AndCircuit, Plan>();

/** The plan of a circuit, cached per circuit object (msb's carry levels and andTree's rounds are module-level constants; circuits are never mutated). */
export function planAnd(circuit: AndCircuit): Plan {
  let plan = plans.get(circuit);
  if (!plan) plans.set(circuit, (plan = buildPlan(circuit)));
  return plan;
}

function buildPlan(circuit: AndCircuit): Plan {
  const openedSet = new Set<number>();
  const sets: number[][] = [];
  const setIndex = new Map<string, number>();
  for (const out of circuit) {
    for (const raw of out) {
      if (raw.length > 8) throw new RangeError(`dealt AND: a product of ${raw.length} wires (at most 8)`);
      if (raw.length < 2) continue;
      const t = [...raw].sort((a, b) => a - b);
      for (const w of t) openedSet.add(w);
      for (let m = 1; m < 1 << t.length; m++) {
        const s = subsetsOf(t, m);
        if (s.length < 2 || setIndex.has(key(s))) continue;
        setIndex.set(key(s), sets.length);
        sets.push(s);
      }
    }
  }
  const opened = [...openedSet].sort((a, b) => a - b);
  const slot = new Map(opened.map((w, i) => [w, i]));
  const slotOf = (w: number): number => slot.get(w) as number;
  const products: Product[] = [];
  let maxWires = 0;
  circuit.forEach((prods, o) => {
    for (const raw of prods) {
      if (raw.length === 1) {
        products.push({ out: o, single: raw[0], slots: new Int32Array(0), src: new Int32Array(0) });
        continue;
      }
      const t = [...raw].sort((a, b) => a - b);
      maxWires = Math.max(maxWires, t.length);
      const src = new Int32Array(1 << t.length);
      for (let m = 1; m < 1 << t.length; m++) {
        const s = subsetsOf(t, m);
        src[m] = s.length === 1 ? slotOf(s[0]) : (setIndex.get(key(s)) as number);
      }
      products.push({ out: o, single: -1, slots: Int32Array.from(t, slotOf), src });
    }
  });
  return { opened, sets, setSlots: sets.map((s) => Int32Array.from(s, slotOf)), products, maxWires };
}

/** Declared bytes of one call: online (both evaluators open their halves) and offline (dealt sets). */
export function dealtAndBytes(circuit: AndCircuit, W: number): { online: number; offline: number } {
  const plan = planAnd(circuit);
  return { online: 2 * 8 * W * plan.opened.length, offline: 8 * W * plan.sets.length };
}

/** 32-bit views: plain JS loops on Uint32 words (bit planes are short; no BigInt boxing). */
function u32(x: BigUint64Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
}

/**
 * Evaluate `circuit` on 2-of-2 wires (P1, P2: [nWires·W] words, plane i at [i·W, (i+1)·W); P0:
 * null). Returns the outputs' 2-of-2 shares [outputs·W] at P1 and P2, null at P0.
 */
export async function dealtAnd(p: Party, wires: BigUint64Array | null, W: number, circuit: AndCircuit, tag: string): Promise<BigUint64Array | null> {
  const plan = planAnd(circuit);
  const nOpen = plan.opened.length;
  const nSets = plan.sets.length;
  const { prss, comm, k } = p;
  if (p.id === 0) {
    // seed(P0,P1) is P0's next seed, seed(P0,P2) its prev seed; same draw order as P1 and P2.
    const r = prss.next.ring(nOpen * W);
    k.xor(r, r, prss.prev.ring(nOpen * W));
    const rho = prss.next.ring(nSets * W);
    const R = u32(r);
    const corr = u32(rho);
    const w2 = 2 * W;
    for (let j = 0; j < nSets; j++) {
      const sl = plan.setSlots[j];
      const o = j * w2;
      for (let e = 0; e < w2; e++) {
        let v = 0xffffffff;
        for (let q = 0; q < sl.length; q++) v &= R[sl[q] * w2 + e];
        corr[o + e] ^= v;
      }
    }
    if (nSets) comm.sendU64Offline(2, `${tag}/deal`, rho);
    return null;
  }
  if (!wires) throw new Error('dealt AND: evaluator without wires');
  const isP1 = p.id === 1;
  const mask = isP1 ? prss.prev.ring(nOpen * W) : prss.next.ring(nOpen * W);
  const dealt = nSets ? (isP1 ? prss.prev.ring(nSets * W) : await comm.recvU64Offline(0, `${tag}/deal`, nSets * W)) : new BigUint64Array(0);
  const mine = new BigUint64Array(nOpen * W);
  plan.opened.forEach((wire, i) => mine.set(wires.subarray(wire * W, (wire + 1) * W), i * W));
  k.xor(mine, mine, mask);
  const other = isP1 ? 2 : 1;
  if (nOpen) comm.sendU64(other, `${tag}/open`, mine);
  const theirs = nOpen ? await comm.recvU64(other, `${tag}/open`, nOpen * W) : mine;
  const d = new BigUint64Array(nOpen * W);
  k.xor(d, mine, theirs);

  const w2 = 2 * W;
  const D = u32(d);
  const M = u32(mask);
  const RS = u32(dealt);
  const Wv = u32(wires);
  const out = new BigUint64Array(circuit.length * W);
  const O = u32(out);
  // per product: dprod[m] = ∧ of d over the product's wires in mask m (a subset DP: one AND each),
  // in one scratch buffer of 2^t planes; dprod[0] (all ones) is never stored
  const scratch = new Uint32Array((1 << plan.maxWires) * w2);
  for (const pr of plan.products) {
    const base = pr.out * w2;
    if (pr.single >= 0) {
      const src = pr.single * w2;
      for (let e = 0; e < w2; e++) O[base + e] ^= Wv[src + e];
      continue;
    }
    const { slots, src } = pr;
    const full = (1 << slots.length) - 1;
    for (let m = 1; m <= full; m++) {
      const low = 31 - Math.clz32(m & -m);
      const rest = m & (m - 1);
      const at = m * w2;
      const from = slots[low] * w2;
      if (rest === 0) for (let e = 0; e < w2; e++) scratch[at + e] = D[from + e];
      else {
        const prev = rest * w2;
        for (let e = 0; e < w2; e++) scratch[at + e] = scratch[prev + e] & D[from + e];
      }
    }
    // ⊕ over subsets S (mask m) of (∧ of d over T∖S) ∧ R_S; S = ∅ is the public term (P1 only)
    if (isP1) {
      const c = full * w2;
      for (let e = 0; e < w2; e++) O[base + e] ^= scratch[c + e];
    }
    for (let m = 1; m <= full; m++) {
      const R = (m & (m - 1)) === 0 ? M : RS; // one wire: its mask r_i; ≥ 2: the dealt R_S
      const from = src[m] * w2;
      if (m === full) {
        for (let e = 0; e < w2; e++) O[base + e] ^= R[from + e];
        continue;
      }
      const c = (full ^ m) * w2;
      for (let e = 0; e < w2; e++) O[base + e] ^= scratch[c + e] & R[from + e];
    }
  }
  return out;
}

/**
 * A 2-of-2 XOR sharing of P1 and P2 ([W] words each; P0: null) → a replicated bit share, 1 round.
 * Party i holds (c_i, c_{i+1}): c_1 from seed(P0,P1), c_0 from seed(P0,P2), and c_2 = s ⊕ c_0 ⊕ c_1
 * from one exchange: P1 sends P2 s¹ ⊕ c_1 (masked by c_1, unknown to P2), P2 sends P1 s² ⊕ c_0
 * (masked by c_0, unknown to P1). P0 receives nothing.
 */
export async function pairToReplicated(p: Party, s: BigUint64Array | null, W: number, tag: string): Promise<{ s0: BigUint64Array; s1: BigUint64Array }> {
  const { prss, comm, k } = p;
  if (p.id === 0) {
    const c0 = prss.prev.ring(W);
    const c1 = prss.next.ring(W);
    return { s0: c0, s1: c1 };
  }
  if (!s) throw new Error('pairToReplicated: evaluator without a share');
  const isP1 = p.id === 1;
  const c = isP1 ? prss.prev.ring(W) : prss.next.ring(W); // P1: c_1, P2: c_0
  const t = new BigUint64Array(W);
  k.xor(t, s, c);
  const other = isP1 ? 2 : 1;
  comm.sendU64(other, tag, t);
  const c2 = await comm.recvU64(other, tag, W);
  k.xor(c2, c2, t);
  return isP1 ? { s0: c.slice(), s1: c2 } : { s0: c2, s1: c.slice() };
}

/** One exchange of a plane of `bits` bits between P1 and P2 (16 bytes per 64 bits). */
export const pairToReplicatedCost = (bits: number): OpCost => ({ rounds: 1, bytesTotal: 2 * 8 * Math.ceil(bits / 64) });

/** Largest fan-in of one dealt AND gate in andTree (2^6 − 7 = 57 dealt sets per gate). */
const TREE_FAN_IN = 6;

const TREE_CIRCUITS = new Map<number, AndCircuit[]>();

/** andTree's circuits over m wires, one per round (cached: their compiled plans are reused). */
function treeCircuits(m: number): AndCircuit[] {
  let c = TREE_CIRCUITS.get(m);
  if (!c) TREE_CIRCUITS.set(m, (c = treeRounds(m).map((gates) => gates.map((g) => [g]))));
  return c;
}

/** Gates per round of an AND tree over m wires: the fewest rounds at fan-in ≤ 6, balanced. */
function treeRounds(m: number): number[][][] {
  const out: number[][][] = [];
  let width = m;
  let left = 0;
  while (TREE_FAN_IN ** left < m) left++;
  for (; width > 1; left--) {
    const f = Math.max(2, Math.ceil(width ** (1 / left) - 1e-9));
    const gates: number[][] = [];
    for (let lo = 0; lo < width; lo += f) gates.push(Array.from({ length: Math.min(f, width - lo) }, (_, j) => lo + j));
    out.push(gates);
    width = gates.length;
  }
  return out;
}

/**
 * AND of m 2-of-2 wires ([m·W] at P1 and P2, plane i = wire i; P0: null) → [W], in
 * ⌈log_6 m⌉ dealt rounds (a 32-input AND: 2 rounds instead of 5 pairwise levels).
 */
export async function andTree(p: Party, wires: BigUint64Array | null, m: number, W: number, tag: string): Promise<BigUint64Array | null> {
  let cur = wires;
  for (const [i, circuit] of treeCircuits(m).entries()) cur = await dealtAnd(p, cur, W, circuit, `${tag}/and${i}`);
  return cur;
}

export function andTreeCost(m: number, W: number): OpCost {
  return addCosts(
    ...treeCircuits(m).map((circuit) => {
      const b = dealtAndBytes(circuit, W);
      return { rounds: 1, bytesTotal: b.online, offlineBytesTotal: b.offline };
    }),
  );
}
