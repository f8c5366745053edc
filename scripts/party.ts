/**
 * npm run party -- --id N [--config DIR/parties.json] [--key FILE] [--data-dir DIR]
 *                   [--log-level info] [--pretty | --json] [--insecure-permissions]
 *                   [--net off|lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * Starts one computing party. It reads only its own private key (parties[N].keyFile, or --key).
 * SIGINT/SIGTERM stop it cleanly.
 */
import { MpcError } from '../src/protocols/errors.js';
import { checkPartyKey, loadPartiesConfig, partyDataDir, partyKeyFile } from '../src/parties/config.js';
import { readKeyFile, toHex } from '../src/parties/keys.js';
import { createLogger, errInfo } from '../src/parties/log.js';
import { PartyServer } from '../src/parties/server.js';
import { tunePartyHeap } from '../src/parties/heap.js';
import { checkPartyPermissions } from '../src/parties/permissions.js';
import { parseNet } from '../src/parties/net-shaper.js';
import { sharesOf } from '../src/programs/generate.js';
import { builtinPrograms } from '../src/programs/index.js';
import { parseThreads, setRingThreads } from '../src/ring/threads.js';
import { command, configOption, logLevelOption, netOption, oneOf, parse, threadsOption, type LogLevel } from './cli.js';

interface Opts {
  id: '0' | '1' | '2';
  config: string;
  key?: string;
  dataDir?: string;
  preload?: string;
  logLevel: LogLevel;
  pretty?: boolean;
  json?: boolean;
  insecurePermissions?: boolean;
  net?: string;
  threads?: string;
}

const values = parse<Opts>(
  command('party', 'Run one computing party (P0, P1 or P2) until SIGINT/SIGTERM.')
    .requiredOption('--id <n>', 'which party: 0, 1 or 2', oneOf(['0', '1', '2'] as const))
    .addOption(configOption())
    .option('--key <file>', "this party's private key (default: parties[N].keyFile of the config)")
    .option('--data-dir <dir>', 'where model shares are stored (default: parties[N].dataDir)')
    .option('--preload <id>', 'load this stored model at start (kept for later sessions), so the first session starts at once')
    .addOption(logLevelOption('info'))
    .option('--pretty', 'human-readable logs (default on a terminal)')
    .option('--json', 'JSON log lines even on a terminal')
    .option('--insecure-permissions', 'start even if the key file or share folder is readable by group/others (logged as a warning)')
    .addOption(netOption())
    .addOption(threadsOption()),
);

const log = createLogger({ level: values.logLevel, ...(values.pretty ? { pretty: true } : values.json ? { pretty: false } : {}) });

async function main(): Promise<void> {
  tunePartyHeap();
  const id = Number(values.id) as 0 | 1 | 2;
  const config = loadPartiesConfig(values.config);
  const keyPath = values.key ?? partyKeyFile(config, id);
  const dataDir = values.dataDir ?? partyDataDir(config, id);
  const perms = checkPartyPermissions({ keyFile: keyPath, dataDir, insecure: values.insecurePermissions === true });
  for (const p of perms.problems) log.warn({ code: 'MPC_ERR_CONFIG' }, `--insecure-permissions: ${p}`);
  const onHost = config.parties.filter((p) => p.host === config.parties[id].host).length;
  const threads = parseThreads(values.threads ?? process.env.TRIFORM_THREADS, onHost);
  setRingThreads(threads);
  const identity = readKeyFile(keyPath);
  checkPartyKey(config, id, toHex(identity.publicKey), keyPath);
  const server = new PartyServer({ config, id, identity, log, dataDir, net: parseNet(values.net), programs: builtinPrograms() });
  await server.start();
  log.info({ threads }, 'ring threads');
  if (values.preload) {
    const t0 = performance.now();
    const m = await sharesOf(dataDir, values.preload, log);
    log.info({ modelId: values.preload, tensors: m.tensors.size, ms: Math.round(performance.now() - t0) }, `model '${values.preload}' preloaded`);
  }
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, 'stopping');
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 3000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

process.on('unhandledRejection', (e) => log.error({ ...errInfo(e) }, 'unhandled rejection (bug; the party keeps running)'));
process.on('uncaughtException', (e) => {
  log.fatal({ ...errInfo(e) }, 'uncaught exception');
  process.exit(1);
});

main().catch((e: unknown) => {
  const err = e instanceof MpcError ? e : new MpcError('MPC_ERR_CONFIG', (e as Error).message);
  log.fatal({ code: err.code }, err.message);
  process.exit(1);
});
