/**
 * Run a program in memory: its party half at three parties and its client half, all in this
 * process over the in-memory channel and client link (`infer --in-process`, `selftest
 * --compare`, `bench --in-process`, tests). The same halves run over WebSockets when a client
 * calls `TriformClient.run` at three party processes; party↔party bytes and rounds are the same.
 * If any side fails, every other side is woken with the failure (no hang) and the first error
 * (the root cause, not the aborts it triggers) is thrown.
 */
import type { ClientLinks, IoStats } from '../protocols/client-link.js';
import type { Party } from '../protocols/context.js';
import { makeLocalParties, type LocalOptions } from '../protocols/local.js';
import { memoryClientLinks } from '../protocols/memory-client-link.js';
import { mergeMeters, type MergedCost, type Meter } from '../protocols/meter.js';
import { silentLogger } from '../parties/log.js';
import type { ProgramSession } from '../parties/program-table.js';

export interface InMemoryOptions extends LocalOptions {
  /** The parties' data folder (programs that read stored model shares); default none. */
  dataDir?: string;
}

export interface InMemoryRun<R, T> {
  /** The party halves' results, index = party. */
  results: [R, R, R];
  /** What the client half returned. */
  local: T;
  meters: [Meter, Meter, Meter];
  cost: MergedCost;
  /** Client link traffic at each party's end (as `stats[j].io` of a networked session). */
  io: [IoStats, IoStats, IoStats];
}

export async function runInMemory<R, T>(
  partyHalf: (party: Party, session: ProgramSession) => Promise<R>,
  clientHalf: (links: ClientLinks) => Promise<T>,
  opts: InMemoryOptions = {},
): Promise<InMemoryRun<R, T>> {
  const { parties, hub } = makeLocalParties(opts);
  const links = memoryClientLinks();
  let first: { e: unknown } | null = null;
  const fail = (e: unknown): never => {
    first ??= { e };
    const err = e instanceof Error ? e : new Error(String(e));
    hub.abort(err);
    links.abort(err);
    throw e;
  };
  const session = (p: Party): ProgramSession => ({ id: 'in-memory', client: links.parties[p.id], dataDir: opts.dataDir ?? '', log: silentLogger });
  const partyRuns = parties.map((p) => partyHalf(p, session(p)).catch(fail));
  const clientRun = clientHalf(links.client).catch(fail);
  const settled = await Promise.allSettled([clientRun, ...partyRuns]);
  if (first) throw (first as { e: unknown }).e;
  const meters = parties.map((p) => p.meter) as [Meter, Meter, Meter];
  return {
    results: settled.slice(1).map((s) => (s as PromiseFulfilledResult<R>).value) as [R, R, R],
    local: (settled[0] as PromiseFulfilledResult<T>).value,
    meters,
    cost: mergeMeters(meters),
    io: links.parties.map((l) => l.stats) as [IoStats, IoStats, IoStats],
  };
}
