/**
 * Three parties in one process over the in-memory channel: the harness for tests, benchmarks
 * and `--in-process` runs. If one party fails, the others are aborted (no hang).
 */
import { createHash } from 'node:crypto';
import type { RingConfig } from '../ring/config.js';
import { DEFAULT_RING_CONFIG } from '../ring/config.js';
import type { RingKernels } from '../ring/kernels.js';
import { Prg } from '../ring/prg.js';
import { defaultKernels } from '../ring/default-kernels.js';
import type { Channel, PartyId } from './channel.js';
import { Party } from './context.js';
import { MemoryHub } from './memory-channel.js';
import { mergeMeters, type Meter, type MergedCost } from './meter.js';
import { localSeeds, Prss, type PrssSeeds } from './prss.js';

export interface LocalOptions {
  /** Deterministic seed for the pairwise PRG seeds (tests); random when omitted. */
  seed?: string | number;
  cfg?: RingConfig;
  kernels?: RingKernels;
  /** Explicit PRSS seeds per party (view-simulation tests fix one party's seeds); overrides `seed`. */
  seeds?: readonly [PrssSeeds, PrssSeeds, PrssSeeds];
  /** Deliver frames after random delays from this seed (reorders streams; tests of forks). */
  shuffle?: number;
  /** Wrap each party's channel (view-simulation tests record what a party receives). */
  wrapChannel?: (c: Channel, id: PartyId) => Channel;
}

export interface LocalRun<T> {
  results: [T, T, T];
  meters: [Meter, Meter, Meter];
  cost: MergedCost;
}

export function makeLocalParties(opts: LocalOptions = {}): { parties: [Party, Party, Party]; hub: MemoryHub } {
  const hub = new MemoryHub(opts.shuffle === undefined ? {} : { shuffle: opts.shuffle });
  const master =
    opts.seed === undefined
      ? Prg.random()
      : new Prg(createHash('sha256').update(`triform-local-${opts.seed}`).digest().subarray(0, 16));
  const seeds = opts.seeds ?? localSeeds(master);
  const k = opts.kernels ?? defaultKernels();
  const parties = ([0, 1, 2] as PartyId[]).map(
    (id) =>
      new Party({
        id,
        channel: opts.wrapChannel ? opts.wrapChannel(hub.channels[id], id) : hub.channels[id],
        prss: new Prss(seeds[id], k),
        cfg: opts.cfg ?? DEFAULT_RING_CONFIG,
        k,
      }),
  ) as [Party, Party, Party];
  return { parties, hub };
}

/** Run the same program at the three parties; resolves with the three results and the merged cost. */
export async function runLocal<T>(fn: (p: Party) => Promise<T>, opts: LocalOptions = {}): Promise<LocalRun<T>> {
  const { parties, hub } = makeLocalParties(opts);
  return runOn(parties, hub, fn);
}

export async function runOn<T>(parties: [Party, Party, Party], hub: MemoryHub, fn: (p: Party) => Promise<T>): Promise<LocalRun<T>> {
  let first: { e: unknown } | null = null; // the root cause, not the aborts it triggers
  const runs = parties.map((p) =>
    fn(p).catch((e: unknown) => {
      first ??= { e };
      hub.abort(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }),
  );
  const settled = await Promise.allSettled(runs);
  if (first) throw (first as { e: unknown }).e;
  const results = settled.map((s) => (s as PromiseFulfilledResult<T>).value) as [T, T, T];
  const meters = parties.map((p) => p.meter) as [Meter, Meter, Meter];
  return { results, meters, cost: mergeMeters(meters) };
}
