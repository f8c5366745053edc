/**
 * Cost summary of a secure generation from the merged meters: prefill, per decode token, total.
 * Bytes are per party (the total over the three parties divided by 3), online (data-dependent
 * messages) and offline (preprocessing: dealer material, truncation tuples) apart; rounds are
 * online rounds (offline frames never raise them, see Meter).
 */
import type { MergedCost } from '../protocols/meter.js';

export interface PhaseCost {
  /** Online bytes. */
  bytesPerParty: number;
  offlineBytesPerParty: number;
  /** Online rounds. */
  rounds: number;
  ms: number;
}

export interface GenerationCost {
  prefill: PhaseCost;
  /** Average over the decode steps (one new token each, KV cache), or null with a single token. */
  decodePerToken: PhaseCost | null;
  decodeSteps: number;
  total: PhaseCost;
}

export function generationCost(cost: MergedCost, wallMs: number): GenerationCost {
  const phase = (label: string, per = 1): PhaseCost => {
    const r = cost.ops[label];
    if (!r) return { bytesPerParty: 0, offlineBytesPerParty: 0, rounds: 0, ms: 0 };
    return { bytesPerParty: r.bytesTotal / 3 / per, offlineBytesPerParty: r.offlineBytesTotal / 3 / per, rounds: r.rounds / per, ms: r.ms / per };
  };
  const steps = cost.ops.decode?.calls ?? 0;
  return {
    prefill: phase('prefill'),
    decodePerToken: steps ? phase('decode', steps) : null,
    decodeSteps: steps,
    total: { bytesPerParty: cost.bytesTotal / 3, offlineBytesPerParty: cost.offlineBytesTotal / 3, rounds: cost.rounds, ms: wallMs },
  };
}

export function formatBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(2)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(2)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`;
  return `${Math.round(b)} B`;
}

/** One phase's cost as text: online and offline bytes per party, online rounds, time. */
export function phaseText(c: PhaseCost): string {
  return `${formatBytes(c.bytesPerParty)} online + ${formatBytes(c.offlineBytesPerParty)} offline per party, ${c.rounds.toFixed(0)} online rounds, ${c.ms.toFixed(0)} ms`;
}
