/**
 * tsx scripts/bench/party-main.ts --id N --config DIR/parties.json [--log-level warn] [--net lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * A computing party (like scripts/party.ts) that serves the built-in programs PLUS 'bench/model'
 * and 'bench/ops' (the op table of bench:protocols).
 * P0 writes the bench's progress (phases, layers) to stderr as lines starting with '[bench]'.
 * `npm run bench` starts three of these on loopback; to bench parties on other hosts, start this
 * script there with the same parties.json and pass `--config` to the bench.
 */
import { asPartyId, checkPartyKey, loadPartiesConfig, partyKeyFile } from '../../src/parties/config.js';
import { readKeyFile, toHex } from '../../src/parties/keys.js';
import { createLogger, errInfo } from '../../src/parties/log.js';
import { builtinPrograms } from '../../src/programs/index.js';
import { PartyServer } from '../../src/parties/server.js';
import { tunePartyHeap } from '../../src/parties/heap.js';
import { parseNet } from '../../src/parties/net-shaper.js';
import { parseThreads, setRingThreads } from '../../src/ring/threads.js';
import { command, configOption, int, logLevelOption, netOption, parse, threadsOption, type LogLevel } from '../cli.js';
import { benchModelProgram } from './program.js';
import { benchOpsProgram } from './protocol-ops.js';

const values = parse<{ id: number; config: string; key?: string; logLevel: LogLevel; net?: string; threads?: string }>(
  command('bench', "A bench party (tsx scripts/bench/party-main.ts): the built-in programs plus 'bench/model'.")
    .requiredOption('--id <n>', 'which party: 0, 1 or 2', int({ min: 0, max: 2 }))
    .addOption(configOption())
    .option('--key <file>', "this party's private key")
    .addOption(logLevelOption('warn'))
    .addOption(netOption())
    .addOption(threadsOption()),
);

const log = createLogger({ level: values.logLevel, pretty: false });

async function main(): Promise<void> {
  tunePartyHeap();
  const id = asPartyId(values.id, '--id');
  const config = loadPartiesConfig(values.config);
  setRingThreads(parseThreads(values.threads, config.parties.filter((p) => p.host === config.parties[id].host).length));
  const keyPath = values.key ?? partyKeyFile(config, id);
  const identity = readKeyFile(keyPath);
  checkPartyKey(config, id, toHex(identity.publicKey), keyPath);
  const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
  const server = new PartyServer({ config, id, identity, log, net: parseNet(values.net), programs: builtinPrograms().register(benchModelProgram(progress)).register(benchOpsProgram) });
  await server.start();
  process.stderr.write(`[party] P${id} listening on ${server.port}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

process.on('uncaughtException', (e) => {
  log.fatal({ ...errInfo(e) }, 'uncaught exception');
  process.exit(1);
});

main().catch((e: unknown) => {
  console.error(`bench party: ${(e as Error).message}`);
  process.exit(1);
});
