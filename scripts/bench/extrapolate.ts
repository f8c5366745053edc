/**
 * From a run of N identical layers to the whole model of L layers, per phase: the layers of a
 * phase are identical (same shapes, same ops), so their bytes and rounds are per-layer constants
 * (checked: every measured layer must cost exactly the same, else this throws) and
 *
 *   bytes(L) = outside + L · layer,   rounds(L) = outside + L · layer   (exact);
 *   compute(L) = outside + L · mean layer time                          (an estimate).
 *
 * The result is labelled an extrapolation wherever it is shown; it is never a full run.
 */
import type { PhaseReport, Triple } from './analyze.js';
import { LAN, modelMs, WAN } from './spec.js';

export interface ExtrapolatedPhase {
  name: string;
  tokens: number;
  context: number;
  measuredLayers: number;
  totalLayers: number;
  /** One layer (identical for every measured layer). */
  layer: { bytesSent: Triple; bytesTotal: number; rounds: number; meanMs: number };
  /** Embedding, final norm, LM head, output. */
  outside: { bytesSent: Triple; bytesTotal: number; rounds: number; ms: number };
  /** The whole model: exact bytes and rounds, estimated compute, modelled network times. */
  bytesSent: Triple;
  bytesTotal: number;
  rounds: number;
  computeMs: number;
  lanModelMs: number;
  wanModelMs: number;
}

export function extrapolatePhase(p: PhaseReport, totalLayers: number): ExtrapolatedPhase {
  const ls = p.layers;
  if (ls.length === 0) throw new RangeError(`phase ${p.name}: no layer scopes to extrapolate from`);
  const l0 = ls[0];
  for (const l of ls) {
    // totals and rounds must agree; the split over the parties may rotate with the dealer
    if (l.rounds !== l0.rounds || l.bytesTotal !== l0.bytesTotal) {
      throw new RangeError(`phase ${p.name}: ${l.name} costs ${l.bytesTotal} B / ${l.rounds} rounds, ${l0.name} ${l0.bytesTotal} B / ${l0.rounds} rounds: layers are not identical`);
    }
  }
  const meanMs = ls.reduce((t, l) => t + l.ms, 0) / ls.length;
  const o = p.outsideLayers;
  // per party: the measured layers' mean (the truncation dealer rotates, so one layer's split
  // need not be the next one's; the total is exact)
  const perLayer = [0, 1, 2].map((i) => ls.reduce((t, l) => t + l.bytesSent[i], 0) / ls.length);
  const bytesSent = o.bytesSent.map((b, i) => b + Math.round(totalLayers * perLayer[i])) as Triple;
  const rounds = o.rounds + totalLayers * l0.rounds;
  const computeMs = o.ms + totalLayers * meanMs;
  const maxParty = Math.max(...bytesSent);
  return {
    name: p.name,
    tokens: p.tokens,
    context: p.context,
    measuredLayers: ls.length,
    totalLayers,
    layer: { bytesSent: l0.bytesSent, bytesTotal: l0.bytesTotal, rounds: l0.rounds, meanMs },
    outside: { bytesSent: o.bytesSent, bytesTotal: o.bytesTotal, rounds: o.rounds, ms: o.ms },
    bytesSent,
    bytesTotal: bytesSent[0] + bytesSent[1] + bytesSent[2],
    rounds,
    computeMs,
    lanModelMs: modelMs(LAN, computeMs, rounds, maxParty),
    wanModelMs: modelMs(WAN, computeMs, rounds, maxParty),
  };
}

export interface MemoryEstimate {
  parameters: number;
  /** Two u64 components per weight (replicated 2-of-3 sharing), per party. */
  weightSharesBytes: number;
  /** K and V of every layer at the context, two components each, per party. */
  kvCacheBytes: number;
  /** With the PRG-seeded sharing below: the most any party must store. */
  seededWeightBytes: number;
  /** Streaming one layer's shares at a time from disk: resident weight bytes. */
  streamedLayerBytes: number;
}

/** Memory a party needs for the whole model (weights dominate; see the report for the levers). */
export function memoryEstimate(parameters: number, layerParameters: number, nLayers: number, kvDim: number, context: number): MemoryEstimate {
  return {
    parameters,
    weightSharesBytes: 16 * parameters,
    kvCacheBytes: 2 * nLayers * context * kvDim * 16,
    seededWeightBytes: 8 * parameters,
    streamedLayerBytes: 16 * layerParameters,
  };
}
