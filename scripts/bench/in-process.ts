/**
 * `--in-process`: the three parties and the client in this process over the in-memory channel
 * and client link (runInMemory, src/programs/run-in-memory.ts). Note: the three parties share ONE JavaScript thread, so the
 * wall time is the three parties' compute added up (no network time at all).
 */
import { runInMemory } from '../../src/programs/run-in-memory.js';
import { maxRssMb, rssSampler, runClientPhases, runPartyPhases, type Progress } from './party-run.js';
import type { RawRun } from './raw.js';
import { specRing, specShape, type BenchSpec } from './spec.js';
import { buildLocalWeights } from './weights.js';

const three = <T>(x: T): [T, T, T] => [x, x, x];

export async function runInProcess(spec: BenchSpec, progress?: Progress): Promise<RawRun> {
  const shape = specShape(spec);
  const cfg = specRing(spec);
  const t0 = performance.now();
  let lastPct = -1;
  const weights = await buildLocalWeights(shape, {
    mode: spec.shares,
    cfg,
    seed: spec.seed,
    onTensor: (_n, i, count) => {
      const pct = Math.floor((100 * (i + 1)) / count / 25) * 25;
      if (pct !== lastPct && pct > 0) progress?.(`weights: ${pct}% of ${count} tensors (${spec.shares} shares)`);
      lastPct = pct;
    },
  });
  const setupMs = performance.now() - t0;
  const rssAfterSetup = process.memoryUsage.rss() / 2 ** 20;

  const sampler = rssSampler();
  const t1 = performance.now();
  const run = await runInMemory(
    (p, session) => runPartyPhases(p, session.client, spec, weights[p.id], p.id === 0 ? progress : undefined),
    (links) => runClientPhases(links, spec),
    { cfg, seed: `bench-${spec.seed}` },
  );
  const wallMs = performance.now() - t1;
  const peakRun = sampler.stop();
  const { io } = run;
  return {
    mode: 'in-process',
    cost: run.cost,
    phaseClientMs: run.local,
    wallMs,
    setupMs: three(setupMs),
    peakRssRunMb: three(peakRun),
    peakRssMb: three(maxRssMb()),
    rssAfterSetupMb: three(rssAfterSetup),
    rssScope: 'process',
    cpuMsByPhase: three(run.results[0]), // the one process, measured around party 0's phases
    clientBytesIn: io.map((x) => x.bytesIn) as [number, number, number],
    clientBytesOut: io.map((x) => x.bytesOut) as [number, number, number],
  };
}
