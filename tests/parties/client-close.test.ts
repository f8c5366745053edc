/**
 * A client that is done closes its links normally (WebSocket 1000): the parties log a normal
 * close at INFO, with no error code, so logs do not read as if something had failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers.js';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster();
});
afterAll(() => c.stop());

describe('client close', () => {
  it('a finished client is logged as a normal close, not MPC_ERR_PEER_CLOSED', async () => {
    const client = await c.connect();
    expect((await client.run('ping', {})).results).toHaveLength(3);
    const from = c.sinks.map((s) => s.lines.length);
    client.close();
    for (const [i, sink] of c.sinks.entries()) {
      const line = await sink.waitFor((l) => /client 'client' closed the link normally/.test(String(l.msg)), 30_000);
      expect(line.level).toBe(30); // info
      expect(line.reason).toBe('client done');
      const after = sink.lines.slice(from[i]);
      expect(after.filter((l) => l.code !== undefined && /client/.test(String(l.msg)))).toEqual([]);
    }
  });
});
