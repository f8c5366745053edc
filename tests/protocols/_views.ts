/**
 * View-simulation harness: does what one party RECEIVES depend on secrets it must not learn?
 *
 * Setting (semi-honest, one corrupt party P_i). Inputs are secret-shared by an outside client:
 * for each input, P_i's two shares (x_i, x_{i+1}) are drawn uniformly once, and the third share
 * x_{i+2} = secret − x_i − x_{i+1} (XOR for bits), so all three shares are uniform and none comes
 * from a party. Everything P_i knows is FIXED across trials: its shares and its three seeds
 * (s_{i−1}, s_i, own_i). What P_i cannot see is VARIED per trial: the seed s_{i+1} of the other two
 * parties and their own seeds. Two different secrets A and B are each run for N trials, and P_i's
 * received frames (in receive order) are compared, together with what P_i derives from them (its
 * sent frames and output shares: functions of its view, so their distribution may not depend on
 * the secret either, and they make unmasking inside P_i visible to the linear tests):
 *
 *  1. Shape test: tags, dtypes and lengths of the frames are the same in every trial (public).
 *  2. Relation test: over the N trials of one secret, find every word that is constant, and
 *     every pair of words whose difference, sum or XOR is constant (words are bucketed by their
 *     vector of deltas to trial 0, so all W² pairs are covered in O(W·N)). Under the other
 *     secret the same feature must take that constant as often: with m of N trials equal, the
 *     exact conditional p-value is C(N+m, N)/C(2N, N), rejected below ALPHA / (relations tested),
 *     both directions. A protocol that lets P_i unmask a value with its own seeds (x − ρ with ρ
 *     from a seed P_i holds, or a mask that cancels between two messages) shows up here: the
 *     unmasked value is a deterministic function of P_i's knowledge and the secret (m = 0).
 *     Power: a feature fixed under one secret and never equal to that value under the other has
 *     p = 1/C(2N, N): 1.7e−9 at N = 16 (flagged while ≤ 6,000 relations are tested at ALPHA =
 *     1e−5), 3.1e−14 at N = 24. Low-entropy words (1 random bit) give chance relations, but
 *     those hold about half the time under the other secret too and are not flagged.
 *  3. Marginal test: for each received word and each of its 64 bits, the number of ones under A
 *     and under B; by Hoeffding, P(|c_A − c_B| ≥ t) ≤ 2·exp(−t²/N) for equal distributions, and
 *     t is chosen so the family-wise false-alarm rate over all W·64 bits is ≤ ALPHA. It detects a
 *     bit whose probability of being 1 differs between the secrets by more than t/N (≈ 0.9 at
 *     N = 24 for a few hundred words; it is skipped when t > N): a coarse check, the relation
 *     test is the sharp one.
 *
 * Not covered: leaks visible only in combinations of three or more words, or nonlinear ones.
 * Every protocol states in its comments who masks each message with what; this suite checks
 * those statements empirically.
 */
import { randomBytes } from 'node:crypto';
import type { Channel, Frame, PartyId } from '../../src/protocols/channel.js';
import type { Party } from '../../src/protocols/context.js';
import { makeLocalParties, runOn } from '../../src/protocols/local.js';
import type { PrssSeeds } from '../../src/protocols/prss.js';
import type { AShare, BitShare } from '../../src/protocols/share.js';
import { aShare, bitShare, words } from '../../src/protocols/share.js';
import type { Shape } from '../../src/ring/tensor.js';
import { sizeOf } from '../../src/ring/tensor.js';

/** One secret input with its two candidate values. */
export type SecretInput =
  | { kind: 'A'; shape: Shape; a: BigUint64Array; b: BigUint64Array }
  | { kind: 'bits'; n: number; a: Uint8Array; b: Uint8Array };

export interface ViewCase {
  name: string;
  inputs: SecretInput[];
  program: (p: Party, xs: (AShare | BitShare)[]) => Promise<unknown>;
  /** Trials per secret (default 24). */
  trials?: number;
}

interface Received {
  meta: string[];
  words: BigUint64Array;
  labels: string[];
}

const seed16 = (): Uint8Array => Uint8Array.from(randomBytes(16));
const randomRing = (n: number): BigUint64Array => new BigUint64Array(randomBytes(8 * n).buffer.slice(0));

function randomBitWords(n: number): BigUint64Array {
  const w = randomRing(words(n));
  if (n % 64) w[w.length - 1] &= (1n << BigInt(n % 64)) - 1n;
  return w;
}

function packBits(bits: Uint8Array): BigUint64Array {
  const w = new BigUint64Array(words(bits.length));
  for (let e = 0; e < bits.length; e++) if (bits[e]) w[e >>> 6] |= 1n << BigInt(e & 63);
  return w;
}

/** P_i's fixed knowledge: its shares of every input (index i and i+1 of the client's split). */
interface Fixed {
  shares: { mine: BigUint64Array; next: BigUint64Array }[];
  seeds: { prev: Uint8Array; next: Uint8Array; own: Uint8Array };
}

function fixedFor(c: ViewCase): Fixed {
  return {
    shares: c.inputs.map((inp) => (inp.kind === 'A' ? { mine: randomRing(sizeOf(inp.shape)), next: randomRing(sizeOf(inp.shape)) } : { mine: randomBitWords(inp.n), next: randomBitWords(inp.n) })),
    seeds: { prev: seed16(), next: seed16(), own: seed16() },
  };
}

/** The three parties' shares of every input, for the client's split with P_i's two shares fixed. */
function splitFor(c: ViewCase, i: PartyId, fx: Fixed, which: 'a' | 'b'): (AShare | BitShare)[][] {
  const perParty: (AShare | BitShare)[][] = [[], [], []];
  c.inputs.forEach((inp, k) => {
    const x: BigUint64Array[] = [new BigUint64Array(0), new BigUint64Array(0), new BigUint64Array(0)];
    const { mine, next } = fx.shares[k];
    x[i] = mine;
    x[(i + 1) % 3] = next;
    if (inp.kind === 'A') {
      const secret = inp[which];
      const third = new BigUint64Array(secret.length);
      for (let e = 0; e < secret.length; e++) third[e] = secret[e] - mine[e] - next[e];
      x[(i + 2) % 3] = third;
      for (const j of [0, 1, 2]) perParty[j].push(aShare(inp.shape, x[j].slice(), x[(j + 1) % 3].slice()));
    } else {
      const secret = packBits(inp[which]);
      const third = secret.map((w, e) => w ^ mine[e] ^ next[e]);
      x[(i + 2) % 3] = third;
      for (const j of [0, 1, 2]) perParty[j].push(bitShare(inp.n, x[j].slice(), x[(j + 1) % 3].slice()));
    }
  });
  return perParty;
}

function recording(inner: Channel, log: Frame[], from: PartyId[], sent: Frame[], to: PartyId[]): Channel {
  return {
    self: inner.self,
    send: (dst, f) => {
      sent.push({ ...f, bytes: f.bytes.slice() });
      to.push(dst);
      inner.send(dst, f);
    },
    abort: (e) => inner.abort(e),
    async recv(src, stream) {
      const f = await inner.recv(src, stream);
      log.push({ ...f, bytes: f.bytes.slice() });
      from.push(src);
      return f;
    },
  };
}

/** Run the case once and return what party i received. */
async function trial(c: ViewCase, i: PartyId, fx: Fixed, which: 'a' | 'b'): Promise<Received> {
  const S: Uint8Array[] = [new Uint8Array(16), new Uint8Array(16), new Uint8Array(16)];
  const own = [seed16(), seed16(), seed16()];
  S[(i + 2) % 3] = fx.seeds.prev; // s_{i−1}: P_{i−1} and P_i
  S[i] = fx.seeds.next; // s_i: P_i and P_{i+1}
  S[(i + 1) % 3] = seed16(); // s_{i+1}: the other two parties only
  own[i] = fx.seeds.own;
  const seeds = [0, 1, 2].map((j) => ({ prev: S[(j + 2) % 3], next: S[j], own: own[j] })) as [PrssSeeds, PrssSeeds, PrssSeeds];
  const log: Frame[] = [];
  const from: PartyId[] = [];
  const sent: Frame[] = [];
  const to: PartyId[] = [];
  const { parties, hub } = makeLocalParties({ seeds, wrapChannel: (ch, id) => (id === i ? recording(ch, log, from, sent, to) : ch) });
  const shares = splitFor(c, i, fx, which);
  const { results } = await runOn(parties, hub, (p) => c.program(p, shares[p.id]));
  // What P_i computes from its view is part of the view's distribution: its sent frames and its
  // output shares are functions of (view, knowledge), so they are analysed with the received
  // frames. They expose unmasking that happens inside P_i (a secret-dependent selection of
  // received words, as in the pre-fix mulA1B inside a tournament) to the linear relation test.
  const arrays: { data: BigUint64Array; label: string }[] = [];
  const wordsOf = (f: Frame): BigUint64Array => {
    const nw = f.dtype === 'u64' ? f.length : Math.ceil(f.length / 8);
    const padded = new Uint8Array(8 * nw);
    padded.set(f.bytes);
    return new BigUint64Array(padded.buffer);
  };
  log.forEach((f, j) => arrays.push({ data: wordsOf(f), label: `received '${f.tag}' from P${from[j]}` }));
  sent.forEach((f, j) => arrays.push({ data: wordsOf(f), label: `sent '${f.tag}' to P${to[j]}` }));
  outputShares(results[i]).forEach((d, j) => arrays.push({ data: d, label: `output share ${j}` }));
  const total = arrays.reduce((t, x) => t + x.data.length, 0);
  const out = new BigUint64Array(total);
  const labels: string[] = [];
  let o = 0;
  for (const { data, label } of arrays) {
    out.set(data, o);
    for (let e = 0; e < data.length; e++) labels.push(`${label} [${e}]`);
    o += data.length;
  }
  const meta = [...log.map((f, j) => `<${from[j]}:${f.tag}:${f.dtype}:${f.length}`), ...sent.map((f, j) => `>${to[j]}:${f.tag}:${f.dtype}:${f.length}`)];
  return { meta, words: out, labels };
}

/** The share arrays in a program's result (a share, or an object/array holding shares). */
function outputShares(r: unknown, depth = 0): BigUint64Array[] {
  if (!r || typeof r !== 'object' || depth > 2) return [];
  const o = r as { s0?: unknown; s1?: unknown };
  if (o.s0 instanceof BigUint64Array && o.s1 instanceof BigUint64Array) return [o.s0, o.s1];
  return Object.values(r).flatMap((v) => outputShares(v, depth + 1));
}

type Relation = { kind: 'const' | 'diff' | 'sum' | 'xor'; a: number; b: number; value: bigint };

const M64 = (1n << 64n) - 1n;

function evalRel(r: Relation, v: BigUint64Array): bigint {
  switch (r.kind) {
    case 'const':
      return v[r.a];
    case 'diff':
      return (v[r.a] - v[r.b]) & M64;
    case 'sum':
      return (v[r.a] + v[r.b]) & M64;
    case 'xor':
      return v[r.a] ^ v[r.b];
  }
}

/** Every constant word and constant pairwise difference / sum / XOR over one secret's trials. */
function relations(T: BigUint64Array[]): Relation[] {
  const W = T[0].length;
  const v0 = T[0];
  const key = (f: (t: BigUint64Array) => bigint): string => T.slice(1).map((t) => f(t).toString(36)).join(',');
  const diffRep = new Map<string, number>();
  const xorRep = new Map<string, number>();
  const negKey: string[] = [];
  const out: Relation[] = [];
  const zeroKey = T.slice(1).map(() => '0').join(',');
  for (let w = 0; w < W; w++) {
    const kd = key((t) => (t[w] - v0[w]) & M64);
    const kx = key((t) => t[w] ^ v0[w]);
    if (kd === zeroKey) out.push({ kind: 'const', a: w, b: w, value: v0[w] });
    const rd = diffRep.get(kd);
    if (rd === undefined) {
      diffRep.set(kd, w);
      negKey[w] = key((t) => (v0[w] - t[w]) & M64);
    } else if (kd !== zeroKey) out.push({ kind: 'diff', a: w, b: rd, value: (v0[w] - v0[rd]) & M64 });
    const rx = xorRep.get(kx);
    if (rx === undefined) xorRep.set(kx, w);
    else if (kx !== zeroKey) out.push({ kind: 'xor', a: w, b: rx, value: v0[w] ^ v0[rx] });
  }
  for (const [kd, r] of diffRep) {
    if (kd === zeroKey) continue;
    const partner = diffRep.get(negKey[r]);
    if (partner !== undefined && partner >= r) out.push({ kind: 'sum', a: r, b: partner, value: (v0[r] + v0[partner]) & M64 });
  }
  return out;
}

/** Hoeffding threshold on |c_A − c_B| for a family of `tests` bit comparisons at level alpha. */
export function marginalThreshold(N: number, tests: number, alpha = 1e-6): number {
  return Math.ceil(Math.sqrt(N * Math.log((2 * tests) / alpha)));
}

function describe(r: Relation, labels: string[]): string {
  return r.kind === 'const' ? `word ${labels[r.a]} is constant` : `${labels[r.a]} ${r.kind === 'diff' ? '−' : r.kind === 'sum' ? '+' : '⊕'} ${labels[r.b]} is constant`;
}

/**
 * Exact conditional (hypergeometric) p-value that a feature equals its A-constant in all N trials
 * of A when it does so in only m of N trials of B, under "same distribution": C(N+m, N)/C(2N, N).
 */
export function relationPValue(N: number, m: number): number {
  let p = 1;
  for (let j = 1; j <= N; j++) p *= (m + j) / (N + j);
  return p;
}

/** Family-wise false-alarm rate of each test (relations, marginals) per party and case. */
export const ALPHA = 1e-5;

function compare(A: Received[], B: Received[]): { findings: string[]; tested: number } {
  const found: string[] = [];
  const meta = A[0].meta.join('|');
  for (const r of [...A, ...B]) if (r.meta.join('|') !== meta) return { findings: [`frame shapes differ between trials: ${meta} vs ${r.meta.join('|')}`], tested: 0 };
  const labels = A[0].labels;
  const ta = A.map((r) => r.words);
  const tb = B.map((r) => r.words);
  if (!ta[0].length) return { findings: found, tested: 0 };
  const N = Math.min(ta.length, tb.length);
  const rels = [
    { own: ta, other: tb, name: 'A', list: relations(ta) },
    { own: tb, other: ta, name: 'B', list: relations(tb) },
  ];
  const tested = rels[0].list.length + rels[1].list.length;
  const cut = ALPHA / Math.max(1, tested);
  for (const { other, name, list } of rels) {
    for (const rel of list) {
      const m = other.reduce((t, v) => t + (evalRel(rel, v) === rel.value ? 1 : 0), 0);
      const pv = relationPValue(N, m);
      if (pv <= cut) found.push(`${describe(rel, labels)} under secret ${name}, but holds in only ${m}/${N} trials of the other (p = ${pv.toExponential(1)})`);
      if (found.length > 8) return { findings: found, tested };
    }
  }
  const W = ta[0].length;
  const t = marginalThreshold(N, 64 * W, ALPHA);
  if (t <= N) {
    for (let w = 0; w < W; w++) {
      for (let bit = 0n; bit < 64n; bit++) {
        let ca = 0;
        let cb = 0;
        for (let j = 0; j < N; j++) {
          ca += Number((ta[j][w] >> bit) & 1n);
          cb += Number((tb[j][w] >> bit) & 1n);
        }
        if (Math.abs(ca - cb) >= t) found.push(`bit ${bit} of ${labels[w]}: ${ca} vs ${cb} ones in ${N} trials (threshold ${t})`);
      }
    }
  }
  return { findings: found, tested };
}

export interface ViewReport {
  /** Findings per party; empty = indistinguishable by the tests above. */
  findings: [string[], string[], string[]];
  /** Relations tested per party (the Bonferroni family of the relation test). */
  relations: [number, number, number];
  /** Words each party received per run. */
  received: [number, number, number];
}

/** Run the view test of one case for every party. */
export async function viewTest(c: ViewCase): Promise<ViewReport> {
  const N = c.trials ?? 24;
  const findings: [string[], string[], string[]] = [[], [], []];
  const received: [number, number, number] = [0, 0, 0];
  const rel: [number, number, number] = [0, 0, 0];
  for (const i of [0, 1, 2] as PartyId[]) {
    const fx = fixedFor(c);
    const A: Received[] = [];
    const B: Received[] = [];
    for (let t = 0; t < N; t++) {
      A.push(await trial(c, i, fx, 'a'));
      B.push(await trial(c, i, fx, 'b'));
    }
    await new Promise<void>((r) => setImmediate(r)); // let the test runner breathe between parties
    const c2 = compare(A, B);
    findings[i] = c2.findings;
    rel[i] = c2.tested;
    received[i] = A[0].words.length;
  }
  return { findings, received, relations: rel };
}
