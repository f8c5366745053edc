/**
 * npm run parties -- --config DIR/parties.json [--log-level info] [--pretty | --json] [--net lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * --threads: ring threads per party (default: this machine's cores ÷ 3, at least 1).
 * Starts P0, P1 and P2 as child processes on this machine with prefixed logs. Ctrl-C (SIGINT)
 * or SIGTERM stops all three. A party that exits is reported; the others keep running.
 */
import { defaultConfigPath } from '../src/parties/config.js';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadPartiesConfig } from '../src/parties/config.js';
import { onLines, spawnParty } from '../src/parties/local-cluster.js';
import { describeNet, NET_USAGE, netTag, parseNet } from '../src/parties/net-shaper.js';
import { parseThreads } from '../src/ring/threads.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    pretty: { type: 'boolean' },
    json: { type: 'boolean' },
    net: { type: 'string' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

values.config ??= defaultConfigPath();
if (values.help || !values.config) {
  console.error(`usage: npm run parties -- --config DIR/parties.json [--log-level L] [--pretty|--json] [${NET_USAGE}] [--threads N]`);
  process.exit(values.help ? 0 : 2);
}

const configPath = resolve(values.config);
try {
  loadPartiesConfig(configPath); // fail here, once, with the field name
  const net = parseNet(values.net);
  if (net) console.error(`parties: links between the parties ${describeNet(net)}`);
  values.net = netTag(net);
} catch (e) {
  console.error(`parties: ${(e as Error).message}`);
  process.exit(1);
}

let threads: number;
try {
  threads = parseThreads(values.threads, 3);
} catch (e) {
  console.error(`parties: ${(e as Error).message}`);
  process.exit(2);
}

const pretty = values.json ? false : (values.pretty ?? process.stdout.isTTY === true);
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m'];
const prefix = (i: number) => (process.stdout.isTTY ? `${colors[i]}P${i} │\x1b[0m ` : `P${i} | `);
let alive = 3;
let stopping = false;

const children = [0, 1, 2].map((i) => {
  const child = spawnParty(configPath, i, { logLevel: values['log-level'], pretty, args: ['--net', values.net as string], env: { TRIFORM_THREADS: String(threads) }, ...(process.execArgv.length ? { nodeArgs: process.execArgv } : {}) });
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    onLines(stream, (line) => out.write(prefix(i) + line + '\n'));
  }
  child.on('exit', (code, signal) => {
    alive--;
    if (!stopping) process.stderr.write(`${prefix(i)}exited (${signal ?? `code ${code}`})\n`);
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
