/**
 * Party program 'bench/model' and its client side, for the networked bench.
 *
 * At each party: build (or reuse from the previous session) this party's synthetic weight shares,
 * tell the client 'bench/ready', wait for its 'bench/go' (so no party's first phase includes
 * waiting for a slower party's weight building), then run the phases on the session's Party and
 * its end of the client link.
 */
import { type PartyId } from '../../src/protocols/channel.js';
import { sendAll, type ClientLinks } from '../../src/protocols/client-link.js';
import type { ProgramDef } from '../../src/parties/program-table.js';
import { loopDelaySampler, maxRssMb, rssSampler, runClientPhases, runPartyPhases, type PhaseCpuMs, type Progress } from './party-run.js';
import { benchSpecSchema, checkSpec, specShape, type BenchSpec } from './spec.js';
import { buildPartyWeights, type BenchWeights } from './weights.js';

export const BENCH_PROGRAM = 'bench/model';

export interface PartyBenchResult {
  party: number;
  setupMs: number;
  reusedWeights: boolean;
  runMs: number;
  rssAfterSetupMb: number;
  peakRssRunMb: number;
  peakRssMb: number;
  /** Longest event-loop delay (ms) at this party during the run: how long heartbeats could wait. */
  maxLoopDelayMs: number;
  /** This party process's CPU time per phase (ms). */
  cpuMsByPhase: PhaseCpuMs;
}

let cache: { key: string; weights: BenchWeights } | null = null;

/** The 'bench/model' program; `progress` hears P0's phases and layers (e.g. written to stderr). */
export function benchModelProgram(progress?: Progress): ProgramDef<BenchSpec, PartyBenchResult> {
  return {
    name: BENCH_PROGRAM,
    description: 'one benchmark inference on seeded synthetic weights at a named model shape',
    params: benchSpecSchema,
    async run(p, { client }, params) {
      const spec = checkSpec(params);
      const key = `${spec.model}/${spec.shares}/${spec.seed}/${p.cfg.fracBits}`;
      const t0 = performance.now();
      const reused = cache?.key === key;
      if (!reused) {
        cache = null; // drop the previous model before building the next
        const say = p.id === 0 ? progress : undefined;
        let last = -1;
        const weights = await buildPartyWeights(specShape(spec), p.id as PartyId, {
          mode: spec.shares,
          cfg: p.cfg,
          seed: spec.seed,
          onTensor: (_n, i, count) => {
            const pct = Math.floor((100 * (i + 1)) / count / 25) * 25;
            if (pct !== last && pct > 0) say?.(`weights: ${pct}% of ${count} tensors (${spec.shares} shares)`);
            last = pct;
          },
        });
        cache = { key, weights };
      }
      const setupMs = performance.now() - t0;
      const rssAfterSetupMb = process.memoryUsage.rss() / 2 ** 20;
      client.send('bench/ready', 'u8', Uint8Array.of(1));
      await client.recv('bench/go', 'u8', 1);
      const sampler = rssSampler();
      const delay = loopDelaySampler();
      const t1 = performance.now();
      const cpuMsByPhase = await runPartyPhases(p, client, spec, (cache as { weights: BenchWeights }).weights, p.id === 0 ? progress : undefined);
      const runMs = performance.now() - t1;
      return { party: p.id, setupMs, reusedWeights: reused, runMs, rssAfterSetupMb, peakRssRunMb: sampler.stop(), peakRssMb: maxRssMb(), maxLoopDelayMs: delay.stop(), cpuMsByPhase };
    },
  };
}

/** The client's side of a 'bench/model' session: wait for three readies, go, run the phases. */
export async function benchModelClient(links: ClientLinks, spec: BenchSpec): Promise<{ wallMs: number; phaseClientMs: number[] }> {
  await Promise.all(links.map((l) => l.recv('bench/ready', 'u8', 1)));
  sendAll(links, 'bench/go', Uint8Array.of(1));
  const t0 = performance.now();
  const phaseClientMs = await runClientPhases(links, spec);
  return { wallMs: performance.now() - t0, phaseClientMs };
}
