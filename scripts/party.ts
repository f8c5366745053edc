/**
 * npm run party -- --id N --config DIR/parties.json [--key FILE] [--data-dir DIR]
 *                   [--log-level info] [--pretty | --json] [--threads N]
 *
 * --threads: ring threads for the large matmuls (default: this machine's cores ÷ the parties of the
 * config on this party's host; TRIFORM_THREADS sets the default, as `npm run parties` does).
 * Starts one computing party. It reads only its own private key (parties[N].keyFile, or --key).
 * SIGINT/SIGTERM stop it cleanly.
 */
import { defaultConfigPath } from '../src/parties/config.js';
import { parseArgs } from 'node:util';
import { MpcError } from '../src/protocols/errors.js';
import { asPartyId, loadPartiesConfig, partyKeyFile } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger, errInfo } from '../src/parties/log.js';
import { PartyServer } from '../src/parties/server.js';
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
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

values.config ??= defaultConfigPath();
if (values.help || values.id === undefined || !values.config) {
  console.error('usage: npm run party -- --id 0|1|2 --config DIR/parties.json [--key FILE] [--data-dir DIR] [--log-level L] [--pretty|--json] [--threads N]');
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
  const identity = readKeyFile(keyPath);
  if (identity.insecureMode) log.warn({ keyFile: keyPath }, 'private key file is readable by others (chmod 600 it)');
  const server = new PartyServer({ config, id, identity, log, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) });
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
