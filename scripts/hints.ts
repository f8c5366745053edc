/** Next-step advice the client scripts print after a failure (never in --json output). */
import { existsSync } from 'node:fs';
import { loadPartiesConfig } from '../src/parties/config.js';
import { displayPath as rel } from './cli.js';

/**
 * What to do after error `e` from a client talking to the parties of `configPath`: which party
 * is unreachable and how to (re)start it, how to create a missing config, how to share a model.
 */
export function partyHint(e: unknown, configPath: string): string | undefined {
  const err = e as { code?: string; message?: string; party?: number };
  const cfg = rel(configPath);
  if (err.code === 'MPC_ERR_CONFIG' && !existsSync(configPath)) {
    return `no parties config at ${cfg}: create keys and one with \`npm run keys\`, start the parties with \`npm run parties\` (or pass --config, or add --in-process where the script has it)`;
  }
  const slow = /^handshake with P(\d) did not complete within (\d+) ms/.exec(err.message ?? '');
  if (err.code === 'MPC_ERR_TIMEOUT' && slow) {
    return `P${slow[1]} accepted the connection but did not finish the handshake in ${slow[2]} ms: it may be busy (loading a model, many clients); retry with more patience, e.g. --connect-timeout ${Math.max(60, 2 * Math.ceil(Number(slow[2]) / 1000))} (the parties' own limit is limits.handshakeTimeoutMs in ${cfg})`;
  }
  if (err.code === 'MPC_ERR_PEER_CLOSED' || err.code === 'MPC_ERR_TIMEOUT') {
    if (err.party === 0 || err.party === 1 || err.party === 2) {
      let where = '';
      try {
        const p = loadPartiesConfig(configPath).parties[err.party];
        where = ` at ${p.host}:${p.port}`;
      } catch {
        /* the error itself is what matters */
      }
      const verb = err.code === 'MPC_ERR_TIMEOUT' ? 'did not answer in time' : 'is unreachable';
      return `P${err.party}${where} ${verb}: (re)start it with \`npm run party -- --id ${err.party} --config ${cfg}\` on its host (all three on this machine: \`npm run parties -- --config ${cfg}\`)`;
    }
    return `are the parties of ${cfg} running? start them with \`npm run parties -- --config ${cfg}\` (or one with \`npm run party -- --id N\`)`;
  }
  if (/already exists/.test(err.message ?? '')) return 'add --overwrite to replace it, or pick another --model-id';
  if (/is not stored/.test(err.message ?? '')) return 'share it first: `npm run share-model -- --model $MODEL` (see README, "Running parties yourself")';
  return undefined;
}
