/**
 * Rate-limited log lines for conditions that repeat on every retry (a peer that refuses our key,
 * a dialer with an unknown key): the first occurrence is logged at once, repeats within the
 * window are counted, and at most one line per window reports them (`repeats: N`), so a
 * misconfigured pair of parties logs a line every 30 s, not two per second forever.
 */
import type { Logger } from 'pino';

interface Seen {
  lastLogged: number;
  suppressed: number;
}

const state = new WeakMap<Logger, Map<string, Seen>>();

export interface RepeatOptions {
  /** Minimum time between two lines for the same key (default 30 s). */
  windowMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * Log `msg` at `level` unless the same `key` was logged on this logger within the window; the
 * line that ends a window of repeats carries `repeats` (how many were not logged). Returns
 * whether a line was written.
 */
export function logRepeated(log: Logger, level: 'warn' | 'info' | 'error', key: string, obj: Record<string, unknown>, msg: string, o: RepeatOptions = {}): boolean {
  const now = (o.now ?? Date.now)();
  const windowMs = o.windowMs ?? 30_000;
  let m = state.get(log);
  if (!m) state.set(log, (m = new Map()));
  const seen = m.get(key);
  if (seen && now - seen.lastLogged < windowMs) {
    seen.suppressed++;
    return false;
  }
  const repeats = seen?.suppressed ?? 0;
  log[level]({ ...obj, ...(repeats ? { repeats, windowS: Math.round(windowMs / 1000) } : {}) }, repeats ? `${msg} (${repeats} more times in the last ${Math.round((now - (seen as Seen).lastLogged) / 1000)} s)` : msg);
  m.set(key, { lastLogged: now, suppressed: 0 });
  return true;
}

/** Forget `key` (the condition cleared: the next occurrence is logged at once). */
export function clearRepeated(log: Logger, key: string): void {
  state.get(log)?.delete(key);
}
