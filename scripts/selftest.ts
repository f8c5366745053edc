/**
 * npm run selftest -- --config DIR/parties.json [--size N] [--key FILE] [--compare]
 *                      [--log-level warn] [--pretty]
 *
 * Connects as a client to running parties, secret-shares random inputs, runs the self-test
 * workload (N×N fMatmul, msb on N² elements, maxLast over N rows), checks the revealed results
 * against plaintext and prints one JSON line:
 *
 *   {"ok":true,"ms":…,"bytesPerParty":[…],"rounds":…,"size":N,"sealedBytesPerParty":[…],
 *    "framingOverheadPerParty":[…],"error":null}
 *
 * bytesPerParty and rounds are the protocol cost (Meter: tensor payload sent to the other
 * parties); sealedBytesPerParty adds the link framing (headers, AEAD tags, control messages).
 * --compare also runs the same workload in memory and reports its cost. Exit code 0 iff ok.
 */
import { defaultConfigPath } from '../src/parties/config.js';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { MpcError } from '../src/protocols/errors.js';
import { TriformClient } from '../src/parties/client.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger } from '../src/parties/log.js';
import { checkSelftest, selftestClient, selftestInputs, selftestLocal } from '../src/parties/selftest.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    size: { type: 'string', default: '16' },
    key: { type: 'string' },
    compare: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    pretty: { type: 'boolean' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

values.config ??= defaultConfigPath();
if (values.help || !values.config) {
  console.error('usage: npm run selftest -- --config DIR/parties.json [--size N] [--key FILE] [--compare] [--log-level L]');
  process.exit(values.help ? 0 : 2);
}

const log = createLogger({ level: values['log-level'], pretty: values.pretty ?? false, destination: process.stderr });
const t0 = performance.now();

async function main(): Promise<Record<string, unknown>> {
  const N = Number(values.size);
  if (!Number.isInteger(N) || N < 1 || N > 1024) throw new MpcError('MPC_ERR_INPUT', `--size must be an integer in [1, 1024], got '${values.size}'`);
  const config = loadPartiesConfig(values.config as string);
  const identity = readKeyFile(values.key ?? resolve(config.dir, 'client.key'));
  const client = await TriformClient.connect({ config, identity, log });
  try {
    const inp = selftestInputs(N);
    const r = await client.run('selftest', { size: N }, (s) => selftestClient(s, N, inp));
    const bad = checkSelftest(N, inp, r.local);
    const sealed = r.stats.map((st) => st.wire.reduce((t, w) => t + w.sealedBytesSent, 0));
    const out: Record<string, unknown> = {
      ok: bad.length === 0,
      ms: Math.round(performance.now() - t0),
      sessionMs: Math.round(r.ms),
      bytesPerParty: r.cost.bytesSent,
      rounds: r.cost.rounds,
      size: N,
      sealedBytesPerParty: sealed,
      framingOverheadPerParty: sealed.map((b, j) => b - r.cost.bytesSent[j]),
      error: bad.length ? { code: 'MPC_ERR_PROTOCOL', message: `wrong results: ${bad.slice(0, 3).join('; ')}` } : null,
    };
    if (values.compare) {
      const local = await selftestLocal(N, inp);
      out.local = { bytesPerParty: local.cost.bytesSent, rounds: local.cost.rounds };
      out.costMatchesLocal = local.cost.rounds === r.cost.rounds && local.cost.bytesSent.every((b, j) => b === r.cost.bytesSent[j]);
      if (!out.costMatchesLocal) out.ok = false;
    }
    return out;
  } finally {
    client.close();
  }
}

main().then(
  (out) => {
    console.log(JSON.stringify(out));
    process.exit(out.ok ? 0 : 1);
  },
  (e: unknown) => {
    const err = e instanceof MpcError ? e : new MpcError('MPC_ERR_PROTOCOL', (e as Error).message);
    console.log(JSON.stringify({ ok: false, ms: Math.round(performance.now() - t0), bytesPerParty: null, rounds: null, error: err.toJSON() }));
    process.exit(1);
  },
);
