/**
 * npm run keys -- [--out DIR] [--host H] [--base-port P] [--clients a,b] [--heartbeat-ms MS] [--force] [--json]
 *
 * Writes Ed25519 identity keys p0.key, p1.key, p2.key and <client>.key (mode 0600, one private
 * key per file) and DIR/parties.json (ids, hosts, ports, public keys, allowed clients, data
 * folders, heartbeat timeout). To run a party on another host, copy parties.json and only that
 * party's key file there, and edit its host.
 */
import { writeLocalSetup } from '../src/parties/local-cluster.js';
import { command, displayPath as rel, int, list, parse, runMain } from './cli.js';

interface Opts {
  out: string;
  host: string;
  basePort: number;
  clients: string[];
  heartbeatMs: number;
  force?: boolean;
  json?: boolean;
}

const o = parse<Opts>(
  command('keys', 'Create identity keys for P0, P1, P2 and the clients, and the parties.json that lists them.')
    .option('--out <dir>', 'output folder', '.triform')
    .option('--host <host>', 'host every party listens on and is dialled at', '127.0.0.1')
    .option('--base-port <port>', 'P0 listens on this port, P1 on +1, P2 on +2', int({ min: 1, max: 65533 }), 7100)
    .option('--clients <names>', 'comma-separated client names (one key each)', list, ['client'])
    .option('--heartbeat-ms <ms>', 'a silent link is closed after this long', int({ min: 200, max: 600_000 }), 5000)
    .option('--force', 'overwrite existing keys and parties.json')
    .option('--json', 'one JSON line on stdout instead of text'),
);

runMain(
  'keys',
  async () => {
    const s = writeLocalSetup({ out: o.out, host: o.host, basePort: o.basePort, clients: o.clients, heartbeatTimeoutMs: o.heartbeatMs, force: o.force ?? false });
    const parties = s.config.parties.map((p) => `P${p.id} ${p.host}:${p.port}`);
    if (o.json) {
      console.log(JSON.stringify({ ok: true, config: s.configPath, keyFiles: s.keyFiles, parties }));
      return;
    }
    console.log(`wrote ${rel(s.configPath)} (${parties.join(', ')}) and ${s.keyFiles.length} private keys (mode 0600):`);
    for (const k of s.keyFiles) console.log(`  ${rel(k)}`);
    const cfg = o.out === '.triform' ? '' : ` -- --config ${rel(s.configPath)}`;
    console.log(`\nnext: \`npm run parties${cfg}\` starts the three parties here; then \`npm run selftest${cfg}\``);
  },
  { json: o.json ?? false },
);
