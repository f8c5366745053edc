/**
 * npm run party -- --id N --config DIR/parties.json [--key FILE] [--data-dir DIR]
 *                   [--log-level info] [--pretty | --json] [--insecure-permissions] [--net off|lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * --threads: ring threads for the large matmuls (default: this machine's cores ÷ the parties of the
 * config on this party's host; TRIFORM_THREADS sets the default, as `npm run parties` does).
 * Starts one computing party. It reads only its own private key (parties[N].keyFile, or --key).
 * It refuses to start when the key file or the share folder is accessible to group or others
 * (MPC_ERR_CONFIG naming the path and the chmod fix) unless --insecure-permissions is given.
 * SIGINT/SIGTERM stop it cleanly. --net shapes its links to the other parties (off by default;
 * all three parties must use the same setting, see src/parties/net-shaper.ts).
 */
import { defaultConfigPath } from '../src/parties/config.js';
import { parseArgs } from 'node:util';
import { MpcError } from '../src/protocols/errors.js';
import { asPartyId, loadPartiesConfig, partyDataDir, partyKeyFile } from '../src/parties/config.js';
import { checkPartyPermissions } from '../src/parties/permissions.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger, errInfo } from '../src/parties/log.js';
import { PartyServer } from '../src/parties/server.js';
import { NET_USAGE, parseNet } from '../src/parties/net-shaper.js';
import { parseThreads, setRingThreads } from '../src/ring/threads.js';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    config: { type: 'string' },
    key: { type: 'string' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    pretty: { type: 'boolean' },
    json: { type: 'boolean' },
    'insecure-permissions': { type: 'boolean', default: false },
    net: { type: 'string' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

values.config ??= defaultConfigPath();
if (values.help || values.id === undefined || !values.config) {
  console.error(`usage: npm run party -- --id 0|1|2 --config DIR/parties.json [--key FILE] [--data-dir DIR] [--log-level L] [--pretty|--json] [--insecure-permissions] [${NET_USAGE}] [--threads N]`);
  process.exit(values.help ? 0 : 2);
}

const log = createLogger({ level: values['log-level'], ...(values.pretty ? { pretty: true } : values.json ? { pretty: false } : {}) });

async function main(): Promise<void> {
  const id = asPartyId(Number(values.id), '--id');
  const config = loadPartiesConfig(values.config as string);
  const onHost = config.parties.filter((p) => p.host === config.parties[id].host).length;
  const threads = parseThreads(values.threads ?? process.env.TRIFORM_THREADS, onHost);
  setRingThreads(threads);
  const keyPath = values.key ?? partyKeyFile(config, id);
  const dataDir = values['data-dir'] ?? partyDataDir(config, id);
  const perms = checkPartyPermissions({ keyFile: keyPath, dataDir, insecure: values['insecure-permissions'] === true });
  for (const p of perms.problems) log.warn({ code: 'MPC_ERR_CONFIG' }, `--insecure-permissions: ${p}`);
  const identity = readKeyFile(keyPath);
  const server = new PartyServer({ config, id, identity, log, dataDir, net: parseNet(values.net) });
  await server.start();
  log.info({ threads }, 'ring threads');
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
