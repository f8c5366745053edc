/**
 * npm run selftest -- [--config DIR/parties.json] [--size N] [--key FILE] [--compare] [--json]
 *
 * Connects as a client to running parties, secret-shares random inputs, runs the self-test
 * workload (N×N fMatmul, msb on N² elements, maxLast over N rows), checks the revealed results
 * against plaintext and prints a summary; --json prints one JSON line instead:
 *
 *   {"ok":true,"ms":…,"bytesPerParty":[…],"rounds":…,"size":N,"sealedBytesPerParty":[…],
 *    "framingOverheadPerParty":[…],"error":null}
 *
 * bytesPerParty and rounds are the protocol cost (Meter: tensor payload sent to the other
 * parties); sealedBytesPerParty adds the link framing (headers, AEAD tags, control messages).
 * --compare also runs the same workload in memory and reports its cost. Exit code 0 iff ok.
 */
import { resolve } from 'node:path';
import { formatBytes } from '../src/model/generation-cost.js';
import { TriformClient } from '../src/parties/client.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger } from '../src/parties/log.js';
import { checkSelftest, selftestClient, selftestInputs, selftestLocal } from '../src/programs/selftest.js';
import { command, configOption, connectTimeoutOption, displayPath, int, logLevelOption, parse, patience, runMain, type LogLevel } from './cli.js';
import { partyHint } from './hints.js';

interface Opts {
  config: string;
  size: number;
  key?: string;
  compare?: boolean;
  logLevel: LogLevel;
  connectTimeout: number;
  pretty?: boolean;
  json?: boolean;
}

const o = parse<Opts>(
  command('selftest', 'Check the running parties: a secret-shared fMatmul + msb + max workload against plaintext.')
    .addOption(configOption())
    .option('--size <n>', 'workload size N (N×N matrices)', int({ min: 1, max: 1024 }), 16)
    .option('--key <file>', 'client identity key (default: client.key beside the config)')
    .option('--compare', 'also run the workload in memory and require the same cost')
    .addOption(connectTimeoutOption())
    .addOption(logLevelOption('warn'))
    .option('--pretty', 'human-readable logs')
    .option('--json', 'one JSON line on stdout instead of text'),
);

const log = createLogger({ level: o.logLevel, pretty: o.pretty ?? false, destination: process.stderr });
const t0 = performance.now();

async function main(): Promise<number> {
  const N = o.size;
  const config = loadPartiesConfig(resolve(o.config));
  const identity = readKeyFile(o.key ?? resolve(config.dir, 'client.key'));
  const client = await TriformClient.connect({ config, identity, log, ...patience(o.connectTimeout) });
  let out: Record<string, unknown>;
  try {
    const inp = selftestInputs(N);
    const r = await client.run('selftest', { size: N }, (s) => selftestClient(s, N, inp));
    const bad = checkSelftest(N, inp, r.local);
    const sealed = r.stats.map((st) => st.wire.reduce((t, w) => t + w.sealedBytesSent, 0));
    out = {
      ok: bad.length === 0,
      ms: Math.round(performance.now() - t0),
      sessionMs: Math.round(r.ms),
      bytesPerParty: r.cost.bytesSent,
      offlineBytesPerParty: r.cost.offlineBytesSent,
      rounds: r.cost.rounds,
      size: N,
      sealedBytesPerParty: sealed,
      framingOverheadPerParty: sealed.map((b, j) => b - r.cost.bytesSent[j] - r.cost.offlineBytesSent[j]),
      error: bad.length ? { code: 'MPC_ERR_PROTOCOL', message: `wrong results: ${bad.slice(0, 3).join('; ')}` } : null,
    };
    if (o.compare) {
      const local = await selftestLocal(N, inp);
      out.local = { bytesPerParty: local.cost.bytesSent, offlineBytesPerParty: local.cost.offlineBytesSent, rounds: local.cost.rounds };
      out.costMatchesLocal =
        local.cost.rounds === r.cost.rounds &&
        local.cost.bytesSent.every((b, j) => b === r.cost.bytesSent[j]) &&
        local.cost.offlineBytesSent.every((b, j) => b === r.cost.offlineBytesSent[j]);
      if (!out.costMatchesLocal) out.ok = false;
    }
  } finally {
    client.close();
  }
  if (o.json) console.log(JSON.stringify(out));
  else {
    const bytes = (out.bytesPerParty as number[]).map(formatBytes).join(' / ');
    if (out.ok) console.log(`selftest ok: ${N}×${N} fMatmul, msb on ${N * N} elements, max over ${N} rows, all equal to plaintext`);
    else console.log(`selftest FAILED: ${(out.error as { message?: string } | null)?.message ?? 'the cost differs from the in-memory run'}`);
    console.log(`  ${out.rounds} rounds; sent per party ${bytes}; session ${out.sessionMs} ms`);
    if (o.compare) console.log(`  cost ${out.costMatchesLocal ? 'equals' : 'DIFFERS from'} the in-memory run`);
    const cfg = displayPath(resolve(o.config));
    if (out.ok) console.log(`\nnext: share a model with \`npm run share-model -- --config ${cfg} --model $MODEL\` (or \`--synthetic llama-tiny\`)`);
  }
  return out.ok ? 0 : 1;
}

runMain('selftest', main, { json: o.json ?? false, hint: (e) => partyHint(e, resolve(o.config)) });
