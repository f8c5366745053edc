/**
 * tsx scripts/bench/party-main.ts --id N --config DIR/parties.json [--log-level warn] [--net lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * A computing party (like scripts/party.ts) that serves the built-in programs PLUS 'bench/model'
 * and 'bench/ops' (the op table of bench:protocols).
 * P0 writes the bench's progress (phases, layers) to stderr as lines starting with '[bench]'.
 * `npm run bench` starts three of these on loopback; to bench parties on other hosts, start this
 * script there with the same parties.json and pass `--config` to the bench.
 */
import { parseArgs } from 'node:util';
import { asPartyId, loadPartiesConfig, partyKeyFile } from '../../src/parties/config.js';
import { readKeyFile } from '../../src/parties/keys.js';
import { createLogger, errInfo } from '../../src/parties/log.js';
import { builtinPrograms } from '../../src/parties/builtin-programs.js';
import { PartyServer } from '../../src/parties/server.js';
import { parseThreads, setRingThreads } from '../../src/ring/threads.js';
import { benchModelProgram } from './program.js';
import { benchOpsProgram } from './protocol-ops.js';
import { parseNet } from '../../src/parties/net-shaper.js';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    config: { type: 'string' },
    key: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    net: { type: 'string' },
    threads: { type: 'string' },
  },
  strict: true,
});

if (values.id === undefined || !values.config) {
  console.error('usage: tsx scripts/bench/party-main.ts --id 0|1|2 --config DIR/parties.json [--key FILE] [--log-level L]');
  process.exit(2);
}

const log = createLogger({ level: values['log-level'], pretty: false });

async function main(): Promise<void> {
  const id = asPartyId(Number(values.id), '--id');
  const config = loadPartiesConfig(values.config as string);
  setRingThreads(parseThreads(values.threads, config.parties.filter((p) => p.host === config.parties[id].host).length));
  const identity = readKeyFile(values.key ?? partyKeyFile(config, id));
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
