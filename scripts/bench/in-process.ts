/**
 * `--in-process`: the three parties and the client in this process over the in-memory channel
 * (like src/model/secure-local.ts). Note: the three parties share ONE JavaScript thread, so the
 * wall time is the three parties' compute added up (no network time at all).
 */
import { makeLocalParties } from '../../src/protocols/local.js';
import { mergeMeters, type Meter } from '../../src/protocols/meter.js';
import { LocalClient } from '../../src/model/client-port.js';
import { countingPort, maxRssMb, rssSampler, runClientPhases, runPartyPhases, type Progress } from './party-run.js';
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

  const { parties, hub } = makeLocalParties({ cfg, seed: `bench-${spec.seed}` });
  const client = new LocalClient();
  const io = parties.map(() => ({ bytesIn: 0, bytesOut: 0 }));
  const ports = client.ports.map((p, i) => countingPort(p, io[i]));
  const fail = (e: unknown): never => {
    const err = e instanceof Error ? e : new Error(String(e));
    hub.abort(err);
    client.abort(err);
    throw e;
  };
  const sampler = rssSampler();
  const t1 = performance.now();
  const partyRuns = parties.map((p, i) => runPartyPhases(p, ports[i], spec, weights[i], i === 0 ? progress : undefined).catch(fail));
  const clientRun = runClientPhases(client, spec).catch(fail);
  const settled = await Promise.allSettled([clientRun, ...partyRuns]);
  const wallMs = performance.now() - t1;
  const peakRun = sampler.stop();
  const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
  const meters = parties.map((p) => p.meter) as [Meter, Meter, Meter];
  return {
    mode: 'in-process',
    cost: mergeMeters(meters),
    phaseClientMs: await clientRun,
    wallMs,
    setupMs: three(setupMs),
    peakRssRunMb: three(peakRun),
    peakRssMb: three(maxRssMb()),
    rssAfterSetupMb: three(rssAfterSetup),
    rssScope: 'process',
    clientBytesIn: io.map((x) => x.bytesIn) as [number, number, number],
    clientBytesOut: io.map((x) => x.bytesOut) as [number, number, number],
  };
}
