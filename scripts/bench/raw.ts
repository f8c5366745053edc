/** What a runner (in-process or networked) hands to the analysis. */
import type { MergedCost } from '../../src/protocols/meter.js';

export type RunMode = 'in-process' | 'network';

export interface RawRun {
  mode: RunMode;
  cost: MergedCost;
  /** Client-observed ms per phase (input sent → output received), in phase order. */
  phaseClientMs: number[];
  /** Client-observed ms from the first input to the last output (weight setup excluded). */
  wallMs: number;
  /** Weight building per party (in-process: one build for all three, repeated). */
  setupMs: [number, number, number];
  /** Peak RSS (MB) during the inference, sampled every 50 ms. */
  peakRssRunMb: [number, number, number];
  /** Lifetime peak RSS (MB), including weight building. */
  peakRssMb: [number, number, number];
  /** RSS (MB) once the weights were built. */
  rssAfterSetupMb: [number, number, number];
  /** 'process': one process holds all three parties (the three numbers are the same process). */
  rssScope: 'process' | 'party';
  /**
   * CPU time (ms, user + system, all threads) per phase name: per party process (rssScope
   * 'party'), or the one process of all three parties in all three entries ('process').
   */
  cpuMsByPhase: [Record<string, number>, Record<string, number>, Record<string, number>];
  /** Client↔party payload bytes per party (not part of the party-to-party totals). */
  clientBytesIn: [number, number, number];
  clientBytesOut: [number, number, number];
  /** Networked: bytes each party put on its two peer links incl. framing and AEAD tags. */
  sealedBytesSent?: [number, number, number];
  /** Networked: tensor frames and sealed messages each party sent to its peers (batches make fewer messages). */
  framesSent?: [number, number, number];
  messagesSent?: [number, number, number];
  /** Networked: each party's longest event-loop delay (ms) during the inference. */
  maxLoopDelayMs?: [number, number, number];
}
