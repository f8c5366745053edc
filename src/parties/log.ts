/**
 * Logging: pino with child loggers per party, link, session and program. JSON lines by default;
 * pino-pretty when stdout is a TTY or when asked. Key material, seeds and share values are never
 * passed to a logger; the redact list is a second line of defence.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LogOptions {
  level?: string;
  /** Human-readable output; default: when stdout is a TTY. */
  pretty?: boolean;
  /** Write here instead of stdout (tests capture logs this way). */
  destination?: DestinationStream;
  /** Bound on every line (e.g. { party: 0 }). */
  base?: Record<string, unknown>;
}

const REDACT = ['secretKey', 'privateKey', 'seed', 'seeds', 'linkSecret', 'key', 'keys', '*.secretKey', '*.seed', '*.seeds', '*.key'];

export function isLogLevel(s: string): s is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (!isLogLevel(level)) throw new RangeError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  const options = { level, base: opts.base ?? {}, redact: { paths: REDACT, censor: '[redacted]' } };
  if (opts.destination) return pino(options, opts.destination);
  const human = opts.pretty ?? process.stdout.isTTY === true;
  if (human) {
    const stream = pretty({ colorize: process.stdout.isTTY === true, sync: true, singleLine: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
    return pino(options, stream);
  }
  return pino(options, pino.destination({ dest: 1, sync: true }));
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Plain description of an error for a log line (no stack for MpcErrors, which are expected). */
export function errInfo(e: unknown): Record<string, unknown> {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const m = e as { code: string; message?: string; party?: number; tag?: string };
    return { code: m.code, reason: m.message, errParty: m.party, tag: m.tag };
  }
  if (e instanceof Error) return { err: { message: e.message, stack: e.stack } };
  return { err: String(e) };
}
