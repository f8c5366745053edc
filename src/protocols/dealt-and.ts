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
 * Each circuit is compiled once (planAnd) into index programs; the local work, P0's mask
 * products and the evaluators' subset products and terms, runs in RingKernels.andDeal / andEval.
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
  /** The dealer's program (RingKernels.andDeal): per set, [size, slot…] (slots index `opened`). */
  dealProg: Int32Array;
  /** The evaluators' program (RingKernels.andEval): the circuit's products compiled to plane indices. */
  evalProg: Int32Array;
}

const key = (s: readonly number[]): string => s.join(',');

/** Widest product a circuit may hold: its 2^t − t − 1 dealt sets and the evaluators' 2^t subset planes stay small up to here. */
const MAX_PRODUCT = 11;

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
      if (raw.length > MAX_PRODUCT) throw new RangeError(`dealt AND: a product of ${raw.length} wires (at most ${MAX_PRODUCT})`);
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
  const evalProg: number[] = [];
  circuit.forEach((prods, o) => {
    for (const raw of prods) {
      if (raw.length === 1) {
        evalProg.push(o, raw[0], 0);
        continue;
      }
      const t = [...raw].sort((a, b) => a - b);
      evalProg.push(o, -1, t.length, ...t.map(slotOf));
      for (let m = 1; m < 1 << t.length; m++) {
        const s = subsetsOf(t, m);
        evalProg.push(s.length === 1 ? slotOf(s[0]) : (setIndex.get(key(s)) as number));
      }
    }
  });
  return { opened, sets, dealProg: Int32Array.from(sets.flatMap((s) => [s.length, ...s.map(slotOf)])), evalProg: Int32Array.from(evalProg) };
}

/** Declared bytes of one call: online (both evaluators open their halves) and offline (dealt sets). */
export function dealtAndBytes(circuit: AndCircuit, W: number): { online: number; offline: number } {
  const plan = planAnd(circuit);
  return { online: 2 * 8 * W * plan.opened.length, offline: 8 * W * plan.sets.length };
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
    k.andDeal(rho, r, plan.dealProg, W); // ρ_S ⊕ R_S
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

  const out = new BigUint64Array(circuit.length * W);
  k.andEval(out, wires, d, mask, dealt, plan.evalProg, W, isP1); // the public term once, at P1
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

/**
 * Largest fan-in of one dealt AND gate in andTree: 2^11 − 12 = 2036 dealt sets for an 11-input
 * gate. The tree takes the fewest rounds this allows and then the smallest balanced fan-in
 * (treeRounds), so a wide gate is used only where it saves a round: 7–11 inputs in one round
 * instead of two (BERT's row max: groups of 12 and 11 winners), 37–121 in two instead of three;
 * 32 inputs (GPT-2's 33-key rows) keep two rounds of 6-input gates. Was 6 (57 sets per gate).
 */
const TREE_FAN_IN = 11;

const TREE_CIRCUITS = new Map<number, AndCircuit[]>();

/** andTree's circuits over m wires, one per round (cached: their compiled plans are reused). */
function treeCircuits(m: number): AndCircuit[] {
  let c = TREE_CIRCUITS.get(m);
  if (!c) TREE_CIRCUITS.set(m, (c = treeRounds(m).map((gates) => gates.map((g) => [g]))));
  return c;
}

/** Gates per round of an AND tree over m wires: the fewest rounds at fan-in ≤ TREE_FAN_IN, balanced. */
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
 * ⌈log_11 m⌉ dealt rounds (a 32-input AND: 2 rounds instead of 5 pairwise levels; 11 inputs: 1).
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
