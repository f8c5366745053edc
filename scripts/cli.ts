/**
 * The shared command-line behaviour of every npm script (commander underneath):
 *
 * - `--help` prints usage to stdout and exits 0 before the script does anything else;
 * - a user mistake (unknown or mistyped option, a bad number or enum value, a stray argument,
 *   a forgotten `--` after `npm run x`) prints one line `name: …` plus a pointer to --help on
 *   stderr and exits 2, never a stack trace;
 * - a runtime failure (`runMain`) prints `name: CODE: message` (plus a hint when there is one)
 *   and exits 1; with --json it prints `{"ok":false,"error":{code,message}}` on stdout instead.
 *
 * Adding an option to a script is one line in its `command(...)` chain, e.g.
 *   .option('--threads <n>', 'worker threads per party', int({ min: 1, max: 64 }), 1)
 *   .option('--net <kind>', 'network model', oneOf(['lan', 'wan']), 'lan')
 *   .option('--check-ranges', 'check fixed-point ranges at run time')
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { relative } from 'node:path';
import { defaultConfigPath } from '../src/parties/config.js';
import { LOG_LEVELS } from '../src/parties/log.js';
import { parseNet } from '../src/parties/net-shaper.js';
import { parseThreads } from '../src/ring/threads.js';

export { Option };

/** A mistake in how the script was called: exit code 2, no stack trace. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export type LogLevel = (typeof LOG_LEVELS)[number];

const bounds = (o: { min?: number; max?: number; above?: number }): string =>
  [o.above !== undefined ? `> ${o.above}` : '', o.min !== undefined ? `≥ ${o.min}` : '', o.max !== undefined ? `≤ ${o.max}` : ''].filter(Boolean).join(' and ');

/** Option parser: an integer in [min, max]. */
export function int(o: { min?: number; max?: number } = {}): (v: string) => number {
  return (v) => {
    const x = Number(v);
    const ok = v.trim() !== '' && Number.isInteger(x) && (o.min === undefined || x >= o.min) && (o.max === undefined || x <= o.max);
    if (!ok) throw new InvalidArgumentError(`must be an integer${bounds(o) ? ' ' + bounds(o) : ''}`);
    return x;
  };
}

/** Option parser: a finite number in [min, max] (or > above). */
export function float(o: { min?: number; max?: number; above?: number } = {}): (v: string) => number {
  return (v) => {
    const x = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(x) && (o.min === undefined || x >= o.min) && (o.max === undefined || x <= o.max) && (o.above === undefined || x > o.above);
    if (!ok) throw new InvalidArgumentError(`must be a number${bounds(o) ? ' ' + bounds(o) : ''}`);
    return x;
  };
}

/** Option parser: one of a fixed set of words. */
export function oneOf<T extends string>(values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${values.join(', ')}`);
    return v as T;
  };
}

/** Option parser: a comma-separated list of non-empty words. */
export function list(v: string): string[] {
  const xs = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (xs.length === 0) throw new InvalidArgumentError('must be a comma-separated list');
  return xs;
}

/** A path as the user would type it here: relative under the working directory, else absolute. */
export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

/** `--config FILE`: the parties.json (default $TRIFORM_CONFIG, else .triform/parties.json). */
export function configOption(what = 'parties.json of the parties'): Option {
  return new Option('--config <file>', what).default(defaultConfigPath(), '$TRIFORM_CONFIG or .triform/parties.json');
}

/** `--log-level LEVEL` (pino). */
export function logLevelOption(dflt: LogLevel): Option {
  return new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default(dflt);
}

/** `--connect-timeout SECONDS`: how long a client waits for a busy party to answer the handshake. */
export function connectTimeoutOption(): Option {
  return new Option('--connect-timeout <s>', 'seconds a party may take to answer the handshake (busy parties: loading a model, many clients)').argParser(float({ above: 0, max: 3600 })).default(30);
}

/** Client options for a --connect-timeout value in seconds (a refused connection still fails after the config's handshake timeout). */
export const patience = (s: number): { handshakeTimeoutMs: number } => ({ handshakeTimeoutMs: Math.round(s * 1000) });

/** `--net off|lan|wan|rtt=MS,mbps=N`: link shaping between the party processes (src/parties/net-shaper.ts). */
export function netOption(): Option {
  return new Option('--net <spec>', 'shape the links between the parties: off, lan (5 Gbps, 1 ms RTT), wan (100 Mbps, 40 ms) or rtt=MS,mbps=N').argParser((v: string) => {
    try {
      parseNet(v);
    } catch {
      throw new InvalidArgumentError('must be off, lan, wan or rtt=MS,mbps=N (e.g. rtt=40,mbps=100)');
    }
    return v;
  });
}

/** `--threads N`: ring worker threads per party (default: the cores ÷ the parties on this host). */
export function threadsOption(): Option {
  return new Option('--threads <n>', 'ring worker threads per party (default: cores ÷ parties on this host)').argParser((v: string) => {
    try {
      parseThreads(v, 1);
    } catch {
      throw new InvalidArgumentError('must be an integer in [1, 256]');
    }
    return v;
  });
}

/** Fixed-point fractional bits the protocols support: a product of two values needs |x·y| < 2^(63−2f). */
export const FRAC_BITS = { min: 8, max: 24, why: '8..24: fewer loses the approximations, more overflows products' } as const;

/** Print a usage mistake and exit 2. */
export function usageExit(name: string, message: string): never {
  process.stderr.write(`${name}: ${message}\nrun \`npm run ${name} -- --help\` for usage\n`);
  process.exit(2);
}

/** A new script command: `npm run NAME -- [options]`, with --help and strict options. */
export function command(name: string, summary: string): Command {
  const cmd = new Command(`npm run ${name} --`);
  cmd.description(summary).helpOption('-h, --help', 'show this help and exit').allowExcessArguments(false).showSuggestionAfterError(true);
  cmd.configureOutput({ outputError: () => {} }); // parse() reports errors in our own words
  cmd.exitOverride();
  return cmd.configureHelp({ helpWidth: 100 });
}

/** npm's own configuration names: `npm run x --json` is taken by npm and never reaches the script. */
const NPM_OWN = new Set(['json', 'force', 'help', 'global', 'prefix', 'silent', 'loglevel', 'yes', 'dry-run']);

/** Options of `cmd` that npm swallowed because the user left out `--` (npm exports them as npm_config_*). */
function swallowedByNpm(cmd: Command): string[] {
  if (!process.env.npm_lifecycle_event) return [];
  return cmd.options
    .map((o) => o.long?.slice(2))
    .filter((n): n is string => !!n && !NPM_OWN.has(n) && process.env[`npm_config_${n.replace(/-/g, '_')}`] !== undefined);
}

/** This script's flags that are also npm's own (json, force), set on npm's command line but not after `--`. */
function npmOwnFlags(cmd: Command): string[] {
  if (!process.env.npm_lifecycle_event) return [];
  return cmd.options
    .map((o) => o.long?.slice(2))
    .filter((n): n is string => !!n && NPM_OWN.has(n) && n !== 'help' && process.env[`npm_config_${n.replace(/-/g, '_')}`] === 'true');
}

/** Commander's error message in one line of our own wording. */
function reword(e: CommanderError, cmd: Command): string {
  const msg = e.message.replace(/^error: /, '');
  switch (e.code) {
    case 'commander.unknownOption': {
      const m = /unknown option '([^']+)'(?:\s*\(Did you mean ([^)]+)\?\))?/s.exec(msg);
      return m ? `unknown option ${m[1]}${m[2] ? ` (did you mean ${m[2]}?)` : ''}` : msg;
    }
    case 'commander.invalidArgument': {
      const m = /option '(\S+)[^']*' argument '(.*)' is invalid\. (.*)/s.exec(msg) ?? /command-argument value '(.*)' is invalid for argument '(\S+)'\. (.*)/s.exec(msg);
      if (!m) return msg;
      const [what, value] = m[0].startsWith('option') ? [m[1], m[2]] : [`<${m[2]}>`, m[1]];
      return `${what} ${m[3].replace(/^Allowed choices are (.*?)\.?$/s, 'must be one of $1')}, got '${value}'`;
    }
    case 'commander.optionMissingArgument': {
      const m = /option '(\S+)( [^']*)?' argument missing/.exec(msg);
      return m ? `${m[1]} needs a value${m[2] ? ` (${m[1]}${m[2]})` : ''}` : msg;
    }
    case 'commander.missingMandatoryOptionValue': {
      const m = /required option '(\S+)[^']*' not specified/.exec(msg);
      return m ? `${m[1]} is required` : msg;
    }
    case 'commander.excessArguments': {
      const args = cmd.args.map((a) => `'${a}'`).join(' ');
      return `unexpected argument ${args}: options start with --`;
    }
    default:
      return msg;
  }
}

/**
 * Parse argv (default: process.argv after the script) against `cmd`; returns the options.
 * `--help` exits 0; any mistake exits 2 with one line on stderr.
 */
export function parse<T extends object>(cmd: Command, argv: string[] = process.argv.slice(2)): T {
  const name = cmd.name().replace(/^npm run (\S+).*$/, '$1');
  const swallowed = swallowedByNpm(cmd);
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.exitCode === 0) process.exit(0); // --help
    let msg = reword(e, cmd);
    if (swallowed.length) msg += `\nnpm took ${swallowed.map((s) => '--' + s).join(', ')} for itself: put \`--\` before the script's options (npm run ${name} -- --${swallowed[0]} …)`;
    usageExit(name, msg);
  }
  if (swallowed.length) usageExit(name, `npm took ${swallowed.map((s) => '--' + s).join(', ')} for itself: put \`--\` before the script's options (npm run ${name} -- --${swallowed[0]} …)`);
  const opts = cmd.opts<T>() as Record<string, unknown>;
  for (const n of npmOwnFlags(cmd)) {
    if (opts[n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] === undefined) process.stderr.write(`${name}: note: npm took --${n} for itself; for this script's --${n} write \`npm run ${name} -- --${n}\`\n`);
  }
  return opts as T;
}

/** The one-line form of an error for the terminal (no stack for anything with a code). */
export function describeError(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : 'ERROR';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return { code, message };
}

export interface MainOptions {
  /** With --json, failures go to stdout as one JSON line. */
  json?: boolean;
  /** Extra advice for a failure (printed after it, not in JSON). */
  hint?: (e: unknown) => string | undefined;
}

/**
 * Run the script body: its resolved number is the exit code (default 0). A UsageError exits 2;
 * any other failure exits 1 with `name: CODE: message` (the stack only with TRIFORM_DEBUG=1).
 */
/**
 * Exit once stdout and stderr have taken everything written so far: a JSON result line longer
 * than a pipe's 64 KiB (`npm run bench -- --json --new-tokens 16 | tail -1`) was cut at 65,536
 * characters when process.exit ran while the rest still waited in the stream's queue.
 */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

export function runMain(name: string, main: () => Promise<number | void>, o: MainOptions = {}): void {
  main().then(
    (code) => exitWhenFlushed(code ?? 0),
    (e: unknown) => {
      if (e instanceof UsageError) usageExit(name, e.message);
      const { code, message } = describeError(e);
      if (o.json) process.stdout.write(JSON.stringify({ ok: false, error: { ...(e as { toJSON?: () => object }).toJSON?.(), code, message } }) + '\n');
      else {
        process.stderr.write(`\n${name}: ${code === 'ERROR' ? '' : code + ': '}${message}\n`);
        const hint = o.hint?.(e);
        if (hint) process.stderr.write(`hint: ${hint}\n`);
        if (process.env.TRIFORM_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
      }
      exitWhenFlushed(1);
    },
  );
}
