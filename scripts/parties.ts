/**
 * npm run parties -- --config DIR/parties.json [--log-level info] [--pretty | --json]
 *                     [--net off|lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * --threads: ring threads per party (default: this machine's cores ÷ 3, at least 1).
 *
 * Starts P0, P1 and P2 as child processes on this machine with prefixed logs. Ctrl-C (SIGINT)
 * or SIGTERM stops all three. A party that exits is reported; the others keep running.
 */
import { resolve } from 'node:path';
import { loadPartiesConfig } from '../src/parties/config.js';
import { onLines, spawnParty } from '../src/parties/local-cluster.js';
import { describeNet, netTag, parseNet } from '../src/parties/net-shaper.js';
import { parseThreads } from '../src/ring/threads.js';
import { command, configOption, displayPath, logLevelOption, netOption, parse, threadsOption, type LogLevel } from './cli.js';

interface Opts {
  config: string;
  logLevel: LogLevel;
  pretty?: boolean;
  json?: boolean;
  net?: string;
  threads?: string;
}

const values = parse<Opts>(
  command('parties', 'Run P0, P1 and P2 on this machine as child processes with prefixed logs; Ctrl-C stops all three.')
    .addOption(configOption())
    .addOption(logLevelOption('info'))
    .option('--pretty', 'human-readable logs (default on a terminal)')
    .option('--json', 'JSON log lines even on a terminal')
    .addOption(netOption())
    .addOption(threadsOption()),
);

const configPath = resolve(values.config);
try {
  loadPartiesConfig(configPath); // fail here, once, with the field name
} catch (e) {
  const missing = (e as { message?: string }).message?.startsWith('cannot read parties config');
  console.error(`parties: ${(e as Error).message}${missing ? '\nhint: create keys and the config with `npm run keys` first' : ''}`);
  process.exit(1);
}

const net = parseNet(values.net);
if (net) console.error(`parties: links between the parties ${describeNet(net)}`);
const threads = parseThreads(values.threads, 3);

const pretty = values.json ? false : (values.pretty ?? process.stdout.isTTY === true);
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m'];
const prefix = (i: number) => (process.stdout.isTTY ? `${colors[i]}P${i} │\x1b[0m ` : `P${i} | `);
let alive = 3;
let stopping = false;

const children = [0, 1, 2].map((i) => {
  const child = spawnParty(configPath, i, { logLevel: values.logLevel, pretty, args: ['--net', netTag(net)], env: { TRIFORM_THREADS: String(threads) }, ...(process.execArgv.length ? { nodeArgs: process.execArgv } : {}) });
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    onLines(stream, (line) => out.write(prefix(i) + line + '\n'));
  }
  child.on('exit', (code, signal) => {
    alive--;
    if (!stopping) process.stderr.write(`${prefix(i)}exited (${signal ?? `code ${code}`}); the others keep running: restart it with \`npm run party -- --id ${i} --config ${displayPath(configPath)}\`\n`);
    if (alive === 0) process.exit(stopping ? 0 : 1);
  });
  return child;
});

const stop = (sig: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(sig);
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    process.exit(1);
  }, 5000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
