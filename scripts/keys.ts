/**
 * npm run keys -- [--out DIR (default .triform)] [--host 127.0.0.1] [--base-port 7100] [--clients client,owner]
 *                  [--heartbeat-ms 5000] [--force]
 *
 * Writes Ed25519 identity keys p0.key, p1.key, p2.key and <client>.key (mode 0600, one private
 * key per file) and DIR/parties.json (ids, hosts, ports, public keys, allowed clients, data
 * folders, heartbeat timeout). To run a party on another host, copy parties.json and only that
 * party's key file there, and edit its host.
 */
import { parseArgs } from 'node:util';
import { writeLocalSetup } from '../src/parties/local-cluster.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '.triform' },
    host: { type: 'string', default: '127.0.0.1' },
    'base-port': { type: 'string', default: '7100' },
    clients: { type: 'string', default: 'client' },
    'heartbeat-ms': { type: 'string', default: '5000' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.error('usage: npm run keys -- [--out DIR] [--host H] [--base-port P] [--clients a,b] [--heartbeat-ms MS] [--force]');
  process.exit(values.help ? 0 : 2);
}

try {
  const basePort = Number(values['base-port']);
  const heartbeatTimeoutMs = Number(values['heartbeat-ms']);
  if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65533) throw new Error(`--base-port must be a port number, got '${values['base-port']}'`);
  if (!Number.isInteger(heartbeatTimeoutMs) || heartbeatTimeoutMs < 200) throw new Error(`--heartbeat-ms must be an integer ≥ 200, got '${values['heartbeat-ms']}'`);
  const s = writeLocalSetup({ out: values.out, host: values.host, basePort, clients: values.clients.split(',').filter(Boolean), heartbeatTimeoutMs, force: values.force });
  console.log(JSON.stringify({ ok: true, config: s.configPath, keyFiles: s.keyFiles, parties: s.config.parties.map((p) => `P${p.id} ${p.host}:${p.port}`) }));
} catch (e) {
  console.error(`keys: ${(e as Error).message}`);
  process.exit(1);
}
