/**
 * npm run party -- --id N [--config DIR/parties.json] [--key FILE] [--data-dir DIR]
 *                   [--log-level info] [--pretty | --json]
 *
 * Starts one computing party. It reads only its own private key (parties[N].keyFile, or --key).
 * SIGINT/SIGTERM stop it cleanly.
 */
import { MpcError } from '../src/protocols/errors.js';
import { checkPartyKey, loadPartiesConfig, partyDataDir, partyKeyFile } from '../src/parties/config.js';
import { sharesOf } from '../src/parties/generate-program.js';
import { readKeyFile, toHex } from '../src/parties/keys.js';
import { createLogger, errInfo } from '../src/parties/log.js';
import { PartyServer } from '../src/parties/server.js';
import { command, configOption, logLevelOption, oneOf, parse, type LogLevel } from './cli.js';

interface Opts {
  id: '0' | '1' | '2';
  config: string;
  key?: string;
  dataDir?: string;
  preload?: string;
  logLevel: LogLevel;
  pretty?: boolean;
  json?: boolean;
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
    .option('--json', 'JSON log lines even on a terminal'),
);

const log = createLogger({ level: values.logLevel, ...(values.pretty ? { pretty: true } : values.json ? { pretty: false } : {}) });

async function main(): Promise<void> {
  const id = Number(values.id) as 0 | 1 | 2;
  const config = loadPartiesConfig(values.config);
  const keyPath = values.key ?? partyKeyFile(config, id);
  const identity = readKeyFile(keyPath);
  checkPartyKey(config, id, toHex(identity.publicKey), keyPath);
  if (identity.insecureMode) log.warn({ keyFile: keyPath }, 'private key file is readable by others (chmod 600 it)');
  const server = new PartyServer({ config, id, identity, log, ...(values.dataDir ? { dataDir: values.dataDir } : {}) });
  await server.start();
  if (values.preload) {
    const t0 = performance.now();
    const m = await sharesOf(values.dataDir ?? partyDataDir(config, id), values.preload, log);
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
