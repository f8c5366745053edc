/**
 * From the merged Meter records of a run to the report: per phase, per layer, per op class, a
 * truncation view, a profile (the most expensive op labels) and the network models.
 *
 * Meter records are inclusive of nested scopes and labelled by path
 * ('prefill/layer3/softmax/exp/msb'). Phases are the top-level scopes; layers are
 * `<phase>/layerN`; an op class is the first label below the phase or layer (SecureOps puts every
 * op under its class: matmul, attnMatmul, lmHead, embedding, attention (q·kᵀ, softmax and ·V in
 * one op), softmax, softmaxMatmul (softmax·V when the scale is not a power of two), gelu, layerNorm,
 * mulPublic, argmax, output, …). Classes are disjoint, so they add up to their phase.
 */
import type { MergedCost, OpCostMeasured } from '../../src/protocols/meter.js';
import type { RawRun } from './raw.js';
import { LAN, modelMs, WAN, specPhases, specShape, type BenchSpec } from './spec.js';

export type Triple = [number, number, number];

export interface CostRow {
  calls: number;
  /** Online bytes (Meter.bytesSent) per party and summed. */
  bytesSent: Triple;
  bytesTotal: number;
  /** Offline (dealer) bytes summed over the parties: material that depends on no data. */
  offlineBytesTotal: number;
  /** Online rounds (offline frames never add to the depth). */
  rounds: number;
  /** Wall ms (slowest party, summed over calls; includes waiting for peers). */
  ms: number;
  lanModelMs: number;
  wanModelMs: number;
}

export interface NamedRow extends CostRow {
  name: string;
}

export interface PhaseReport extends NamedRow {
  /** = rounds (JSON consumers ask for it by this name; offline frames never add to the depth). */
  onlineRounds?: number;
  /** Positions processed in this phase. */
  tokens: number;
  /** Keys attended by the last position (context length after this phase). */
  context: number;
  clientMs: number;
  /**
   * CPU time (ms, user + system, all threads) of the party processes during this phase, summed
   * (in-process: the one process of all three parties); per party when they are processes.
   */
  cpuMs?: number;
  cpuMsPerParty?: number[];
  layers: NamedRow[];
  /** Embedding, final norm, LM head, output: the phase outside the layers. */
  outsideLayers: CostRow;
  classes: NamedRow[];
  /** Truncation traffic (explicit truncA + the fused truncation of fMatmul/fMul), inside the classes. */
  trunc: CostRow;
  /** Op classes within each layer ('layerN') and outside the layers ('outside'), for charts. */
  layerClasses: { name: string; classes: { name: string; bytesTotal: number; rounds: number; ms: number }[] }[];
}

export interface ProfileRow {
  /** Label with the phase and layer stripped ('softmax/exp/msb'). */
  label: string;
  calls: number;
  /** Exclusive of nested labels (what this scope itself did), summed over phases and layers. */
  selfMs: number;
  selfBytes: number;
  selfRounds: number;
  /** Inclusive. */
  bytes: number;
  rounds: number;
  ms: number;
}

const ZERO: Triple = [0, 0, 0];

function row(c: { calls?: number; bytesSent: Triple | readonly number[]; offlineBytesTotal?: number; rounds: number; ms: number }): CostRow {
  const b = [c.bytesSent[0], c.bytesSent[1], c.bytesSent[2]] as Triple;
  const max = Math.max(...b);
  return {
    calls: c.calls ?? 1,
    bytesSent: b,
    bytesTotal: b[0] + b[1] + b[2],
    offlineBytesTotal: c.offlineBytesTotal ?? 0,
    rounds: c.rounds,
    ms: c.ms,
    lanModelMs: modelMs(LAN, c.ms, c.rounds, max),
    wanModelMs: modelMs(WAN, c.ms, c.rounds, max),
  };
}

function add(a: CostRow | null, b: OpCostMeasured | CostRow): CostRow {
  if (!a) return row(b);
  return row({ calls: a.calls + b.calls, bytesSent: a.bytesSent.map((x, i) => x + b.bytesSent[i]), offlineBytesTotal: a.offlineBytesTotal + b.offlineBytesTotal, rounds: a.rounds + b.rounds, ms: a.ms + b.ms });
}

function sub(a: CostRow, b: CostRow): CostRow {
  return row({ calls: a.calls, bytesSent: a.bytesSent.map((x, i) => x - b.bytesSent[i]), offlineBytesTotal: a.offlineBytesTotal - b.offlineBytesTotal, rounds: Math.max(0, a.rounds - b.rounds), ms: Math.max(0, a.ms - b.ms) });
}

const EMPTY = (): CostRow => row({ calls: 0, bytesSent: ZERO, rounds: 0, ms: 0 });
const LAYER = /^layer(\d+)$/;
const TRUNC = new Set(['truncA', 'fMatmul', 'fMul']);

/** Class label order for tables (others follow alphabetically). */
export const CLASS_ORDER = ['embedding', 'layerNorm', 'matmul', 'mulPublic', 'attnMatmul', 'attention', 'softmax', 'softmaxMatmul', 'gelu', 'silu', 'rmsNorm', 'mul', 'lmHead', 'argmax', 'output'];

function classRank(name: string): number {
  const i = CLASS_ORDER.indexOf(name);
  return i < 0 ? CLASS_ORDER.length : i;
}

export function phaseReport(cost: MergedCost, phase: string, tokens: number, context: number, clientMs: number): PhaseReport {
  const top = cost.ops[phase];
  const base = top ? row(top) : EMPTY();
  const layers = new Map<number, CostRow>();
  const classes = new Map<string, CostRow | null>();
  let trunc: CostRow | null = null;
  const perLayer = new Map<string, Map<string, { name: string; bytesTotal: number; rounds: number; ms: number }>>();
  const prefix = `${phase}/`;
  for (const [label, c] of Object.entries(cost.ops)) {
    if (!label.startsWith(prefix)) continue;
    const segs = label.slice(prefix.length).split('/');
    const lm = LAYER.exec(segs[0]);
    if (lm && segs.length === 1) layers.set(Number(lm[1]), row(c));
    const rest = lm ? segs.slice(1) : segs;
    if (rest.length === 1) {
      classes.set(rest[0], add(classes.get(rest[0]) ?? null, c));
      const where = lm ? segs[0] : 'outside';
      const m = perLayer.get(where) ?? new Map();
      const e = m.get(rest[0]) ?? { name: rest[0], bytesTotal: 0, rounds: 0, ms: 0 };
      e.bytesTotal += c.bytesTotal;
      e.rounds += c.rounds;
      e.ms += c.ms;
      m.set(rest[0], e);
      perLayer.set(where, m);
    }
    const t = rest.findIndex((s) => TRUNC.has(s));
    if (t === rest.length - 1 && t >= 0) trunc = add(trunc, c); // outermost truncation label only
  }
  const layerRows = [...layers.entries()].sort((a, b) => a[0] - b[0]).map(([l, r]) => ({ name: `layer${l}`, ...r }));
  let inLayers = EMPTY();
  for (const r of layerRows) inLayers = add(inLayers, r);
  const classRows = [...classes.entries()]
    .map(([name, r]) => ({ name, ...(r as CostRow) }))
    .sort((a, b) => classRank(a.name) - classRank(b.name) || a.name.localeCompare(b.name));
  const layerClasses = [...layerRows.map((l) => l.name), 'outside']
    .filter((n) => perLayer.has(n))
    .map((name) => ({ name, classes: [...(perLayer.get(name) as Map<string, { name: string; bytesTotal: number; rounds: number; ms: number }>).values()].sort((a, b) => classRank(a.name) - classRank(b.name)) }));
  return { name: phase, tokens, context, clientMs, ...base, layers: layerRows, outsideLayers: layerRows.length ? sub(base, inLayers) : base, classes: classRows, trunc: trunc ?? EMPTY(), layerClasses };
}

/** Sum of same-named rows over phases (classes of the whole run). */
export function sumByName(rows: NamedRow[][]): NamedRow[] {
  const m = new Map<string, CostRow>();
  for (const list of rows) for (const r of list) m.set(r.name, add(m.get(r.name) ?? null, r));
  return [...m.entries()].map(([name, r]) => ({ name, ...r })).sort((a, b) => classRank(a.name) - classRank(b.name) || a.name.localeCompare(b.name));
}

/** Exclusive cost per label (phase and layer segments stripped), summed over occurrences. */
export function profile(cost: MergedCost): ProfileRow[] {
  const labels = Object.keys(cost.ops);
  const children = new Map<string, string[]>();
  for (const l of labels) {
    const i = l.lastIndexOf('/');
    if (i < 0) continue;
    const parent = l.slice(0, i);
    const list = children.get(parent) ?? [];
    list.push(l);
    children.set(parent, list);
  }
  const out = new Map<string, ProfileRow>();
  for (const l of labels) {
    const segs = l.split('/').slice(1).filter((s) => !LAYER.test(s));
    if (segs.length === 0) continue; // a phase or a layer itself
    const key = segs.join('/');
    const c = cost.ops[l];
    let ms = c.ms;
    let bytes = c.bytesTotal;
    let rounds = c.rounds;
    for (const ch of children.get(l) ?? []) {
      ms -= cost.ops[ch].ms;
      bytes -= cost.ops[ch].bytesTotal;
      rounds -= cost.ops[ch].rounds;
    }
    const r = out.get(key) ?? { label: key, calls: 0, selfMs: 0, selfBytes: 0, selfRounds: 0, bytes: 0, rounds: 0, ms: 0 };
    r.calls += c.calls;
    r.selfMs += Math.max(0, ms);
    r.selfBytes += Math.max(0, bytes);
    r.selfRounds += Math.max(0, rounds);
    r.bytes += c.bytesTotal;
    r.rounds += c.rounds;
    r.ms += c.ms;
    out.set(key, r);
  }
  return [...out.values()];
}

export function top<T>(rows: T[], key: (r: T) => number, n = 10): T[] {
  return [...rows].sort((a, b) => key(b) - key(a)).slice(0, n).filter((r) => key(r) > 0);
}

export interface Analysis {
  phases: PhaseReport[];
  classes: NamedRow[];
  trunc: CostRow;
  total: CostRow;
  /** Σ phases (equals `total` up to scopes outside any phase, which the bench never opens). */
  phaseSum: CostRow;
  profile: ProfileRow[];
}

export function analyze(spec: BenchSpec, raw: RawRun): Analysis {
  const shape = specShape(spec);
  const names = specPhases(spec).filter((p) => raw.cost.ops[p] !== undefined);
  const phases = names.map((p, i) => {
    const tokens = shape.arch === 'bert' ? spec.promptTokens : i === 0 ? spec.promptTokens : 1;
    const context = shape.arch === 'bert' ? spec.promptTokens : spec.promptTokens + i;
    return phaseReport(raw.cost, p, tokens, context, raw.phaseClientMs[i] ?? 0);
  });
  let phaseSum = EMPTY();
  let trunc = EMPTY();
  for (const p of phases) {
    phaseSum = add(phaseSum, p);
    trunc = add(trunc, p.trunc);
  }
  const total = row({ calls: 1, bytesSent: raw.cost.bytesSent, offlineBytesTotal: raw.cost.offlineBytesTotal ?? 0, rounds: raw.cost.rounds, ms: raw.wallMs });
  return { phases, classes: sumByName(phases.map((p) => p.classes)), trunc, total, phaseSum, profile: profile(raw.cost) };
}
