/**
 * Model-loading progress from a party to the client of a session (control op `progress`):
 *
 *   { op: 'progress', s, from, modelId, done, total, bytesDone, bytesTotal, ms, cached?, maxDelayMs? }
 *
 * counts of tensors and bytes of this party's shares read so far — never names, values, seeds
 * or keys. `cached: true` (one message, done = total) means the model was already in memory
 * (a preload or an earlier session). The last message of a load has done = total and carries
 * `maxDelayMs`, the longest event-loop delay at the party while it loaded (heartbeats wait at
 * most that long).
 *
 * Compatibility: a client that does not know `progress` closes its link on an unknown control
 * op, so parties send it only when the client's `open` asked for it (`progress: true`); a party
 * that does not know the flag ignores it, and its client simply sees no progress.
 */
import type { PartyId } from '../protocols/channel.js';
import type { PartySession } from './session-state.js';
import type { ControlMessage } from './wire.js';

/** What a party reports about one model load. */
export interface LoadStatus {
  modelId: string;
  /** Tensors read so far and in all. */
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
  /** Since the load started (0 for a cached model). */
  ms: number;
  cached?: boolean;
  /** Final message only: longest event-loop delay at the party during the load, in ms. */
  maxDelayMs?: number;
}

export type LoadProgressMessage = ControlMessage & LoadStatus & { op: 'progress'; s: string; from: PartyId };

/** A party sends at most one progress message per this many ms (and always the last one). */
export const PROGRESS_INTERVAL_MS = 250;

export const isFinal = (p: LoadStatus): boolean => p.done >= p.total;

export function progressMessage(session: string, from: PartyId, p: LoadStatus): LoadProgressMessage {
  const m: LoadProgressMessage = { op: 'progress', s: session, from, modelId: p.modelId, done: p.done, total: p.total, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, ms: Math.round(p.ms) };
  if (p.cached) m.cached = true;
  if (p.maxDelayMs !== undefined) m.maxDelayMs = Math.round(p.maxDelayMs);
  return m;
}

const nat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A party's progress message as the client received it; null if malformed (the client ignores it). */
export function parseProgress(m: Record<string, unknown>): LoadStatus | null {
  if (typeof m.modelId !== 'string' || m.modelId.length === 0 || m.modelId.length > 64) return null;
  if (!nat(m.done) || !nat(m.total) || m.done > m.total || !nat(m.bytesDone) || !nat(m.bytesTotal) || m.bytesDone > m.bytesTotal || !nat(m.ms)) return null;
  if (m.cached !== undefined && typeof m.cached !== 'boolean') return null;
  if (m.maxDelayMs !== undefined && !nat(m.maxDelayMs)) return null;
  const p: LoadStatus = { modelId: m.modelId, done: m.done, total: m.total, bytesDone: m.bytesDone, bytesTotal: m.bytesTotal, ms: m.ms };
  if (m.cached === true) p.cached = true;
  if (m.maxDelayMs !== undefined) p.maxDelayMs = m.maxDelayMs;
  return p;
}

/**
 * Rate limit: `send` gets the first status, then at most one every `intervalMs`, and always the
 * final one (done = total); statuses in between are dropped, so what arrives is monotone.
 */
export class ProgressThrottle {
  private last = -Infinity;
  private finished = false;

  constructor(
    private readonly send: (p: LoadStatus) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(p: LoadStatus): void {
    if (this.finished) return;
    const t = this.now();
    if (!isFinal(p) && t - this.last < this.intervalMs) return;
    this.last = t;
    this.finished = isFinal(p);
    this.send(p);
  }
}

/**
 * A party's `ProgramSession.progress` for session `s`: rate-limited `progress` control messages
 * to its client, sent only while the session lives and only if the client's open asked for them.
 */
export function progressSender(s: PartySession, from: PartyId): (p: LoadStatus) => void {
  let throttle: ProgressThrottle | null = null;
  return (p) => {
    const open = s.open;
    if (!open?.progress || s.failure || open.client.closed) return;
    throttle ??= new ProgressThrottle((q) => open.client.sendControl(progressMessage(s.id, from, q)));
    throttle.update(p);
  };
}

/** One line for humans, e.g. `P0 loading gpt2-base: 37/148 tensors, 0.5/1.9 GB`. */
export function describeProgress(from: PartyId, p: LoadStatus): string {
  if (p.cached) return `P${from} model ${p.modelId}: loaded (cached)`;
  const gb = (b: number) => (b / 1e9).toFixed(b < 1e8 ? 3 : 1);
  const head = `P${from} ${isFinal(p) ? 'loaded' : 'loading'} ${p.modelId}: ${p.done}/${p.total} tensors, ${gb(p.bytesDone)}/${gb(p.bytesTotal)} GB`;
  if (!isFinal(p)) return head;
  return `${head} in ${(p.ms / 1000).toFixed(1)} s${p.maxDelayMs === undefined ? '' : ` (event loop delay ≤ ${p.maxDelayMs} ms)`}`;
}
