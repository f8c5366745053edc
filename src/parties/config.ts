/**
 * parties.json: every party's address and public identity key, the clients allowed to open
 * sessions, and the link limits. Validated with zod at start; a bad file fails with an
 * MPC_ERR_CONFIG naming the field (`parties[1].port: ...`).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { PartyId } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';

const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a 32-byte Ed25519 public key)')
  .transform((s) => s.toLowerCase());

const partySchema = z
  .object({
    id: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    /** Address the other parties and the clients dial. */
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** Address to bind (default: host). Use '0.0.0.0' on a multi-homed host. */
    listen: z.string().min(1).optional(),
    publicKey: hexKey,
    /** Private key file, relative to the config file (default `p<id>.key`). Only this party reads it. */
    keyFile: z.string().min(1).optional(),
    /** Where this party stores model shares, relative to the config file. */
    dataDir: z.string().min(1).optional(),
  })
  .strict();

const clientSchema = z
  .object({
    name: z.string().min(1).max(64),
    publicKey: hexKey,
  })
  .strict();

const MiB = 1024 * 1024;

/**
 * Resource limits of a party. Every cap names who it protects against; the defaults are safe
 * for a party host with a few GiB of memory and real GPT-2 / BERT sessions (the largest frame
 * of those is the client's one-hot input, ~62 MiB for BERT-base at 128 tokens).
 */
const limitsSchema = z
  .object({
    /** Largest sealed WebSocket message accepted (ws maxPayload); frames are fragmented below it. */
    maxPayloadBytes: z.number().int().min(64 * 1024).max(256 * MiB).default(8 * MiB),
    /** Largest logical frame (one tensor) accepted after reassembly (a client or peer sending a huge tensor). */
    maxFrameBytes: z.number().int().min(1024).max(2 ** 32).default(256 * MiB),
    /** Handshake deadline for one link; also the idle limit of a TCP/HTTP connection before its WebSocket upgrade. */
    handshakeTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
    /** A session waiting this long for input from its client fails with MPC_ERR_TIMEOUT (frees the queue). */
    clientInputTimeoutMs: z.number().int().min(100).max(86_400_000).default(120_000),
    /** Bytes an unauthenticated connection may send (HTTP upgrade + hello + finish; an attacker streaming junk). */
    maxPreAuthBytes: z.number().int().min(2048).max(MiB).default(16 * 1024),
    /** Connections not yet authenticated, in total (a flood of idle or slow handshakes). */
    maxUnauthConnections: z.number().int().min(1).max(100_000).default(256),
    /** Connections not yet authenticated from one remote address (one host hogging the total). */
    maxUnauthPerAddress: z.number().int().min(1).max(100_000).default(32),
    /** Authenticated links of one client name at this party (a client with a valid key opening link after link). */
    maxLinksPerClient: z.number().int().min(1).max(4096).default(32),
    /** Sessions a client has opened at this party that have not started yet (a client opening at one party only). */
    maxPendingSessionsPerClient: z.number().int().min(1).max(4096).default(16),
    /** Sessions waiting in P0's queue behind the running one (clients, honest or not, opening faster than sessions run). */
    maxQueuedSessions: z.number().int().min(1).max(4096).default(64),
    /** An opened session that does not start within this time is dropped (its opens never reached all three parties). */
    pendingSessionTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /**
     * Received bytes one session may hold before its program consumes them (a client sending
     * input far ahead). Default: 512 MiB, or maxFrameBytes if larger (older parties.json files).
     */
    maxSessionBufferBytes: z.number().int().min(1024).max(2 ** 34).optional(),
    /**
     * Bytes a party's link to a client may hold: messages queued for a client that stops reading,
     * plus the frame being reassembled from it. Default as for maxSessionBufferBytes.
     */
    maxLinkBufferBytes: z.number().int().min(1024).max(2 ** 34).optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    for (const k of ['maxSessionBufferBytes', 'maxLinkBufferBytes'] as const) {
      const v = l[k];
      if (v !== undefined && v < l.maxFrameBytes) ctx.addIssue({ code: 'custom', path: [k], message: `must be at least maxFrameBytes (${l.maxFrameBytes})` });
    }
  })
  .transform((l) => {
    const buffer = Math.max(512 * MiB, l.maxFrameBytes);
    return { ...l, maxSessionBufferBytes: l.maxSessionBufferBytes ?? buffer, maxLinkBufferBytes: l.maxLinkBufferBytes ?? buffer };
  });

export type PartyLimits = z.infer<typeof limitsSchema>;

/** The default limits (what `npm run keys` writes into parties.json). */
export function defaultLimits(): PartyLimits {
  return limitsSchema.parse({});
}

export const partiesConfigSchema = z
  .object({
    version: z.literal(1),
    /** A link whose peer is silent (no pong, no data) this long is closed with MPC_ERR_TIMEOUT. */
    heartbeatTimeoutMs: z.number().int().min(200).max(600_000).default(5000),
    parties: z.array(partySchema).length(3),
    clients: z.array(clientSchema).min(1),
    limits: limitsSchema.default(() => limitsSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    c.parties.forEach((p, i) => {
      if (p.id !== i) ctx.addIssue({ code: 'custom', path: ['parties', i, 'id'], message: `must be ${i} (parties are listed in id order)` });
    });
    const addrs = new Map<string, number>();
    c.parties.forEach((p, i) => {
      const addr = `${p.host.toLowerCase()}:${p.port}`;
      const prev = addrs.get(addr);
      if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['parties', i, 'port'], message: `P${i} and P${prev} both use ${p.host}:${p.port}; every party needs its own address` });
      else addrs.set(addr, i);
    });
    const keys = new Map<string, string>();
    const note = (key: string, where: string, path: (string | number)[]) => {
      const prev = keys.get(key);
      if (prev) ctx.addIssue({ code: 'custom', path, message: `same public key as ${prev}` });
      else keys.set(key, where);
    };
    c.parties.forEach((p, i) => note(p.publicKey, `parties[${i}]`, ['parties', i, 'publicKey']));
    c.clients.forEach((cl, i) => note(cl.publicKey, `clients[${i}]`, ['clients', i, 'publicKey']));
  });

export type PartiesConfigFile = z.infer<typeof partiesConfigSchema>;
export type PartyEntry = PartiesConfigFile['parties'][number];
export type ClientEntry = PartiesConfigFile['clients'][number];

/** The validated config plus where it came from (relative paths resolve against `dir`). */
export interface PartiesConfig extends PartiesConfigFile {
  /** Folder of the config file. */
  readonly dir: string;
}

function formatIssues(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const path = i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`)).join('');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

/** Validate a parsed config object; `dir` resolves keyFile and dataDir. */
export function parsePartiesConfig(json: unknown, dir: string, source = 'parties config'): PartiesConfig {
  const r = partiesConfigSchema.safeParse(json);
  if (!r.success) throw new MpcError('MPC_ERR_CONFIG', `invalid ${source}: ${formatIssues(r.error)}`);
  return { ...r.data, dir: resolve(dir) };
}

/** Read and validate a parties.json file. */
export function loadPartiesConfig(path: string): PartiesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MpcError('MPC_ERR_CONFIG', `cannot read parties config ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MpcError('MPC_ERR_CONFIG', `parties config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parsePartiesConfig(json, dirname(resolve(path)), path);
}

function under(cfg: PartiesConfig, p: string): string {
  return isAbsolute(p) ? p : resolve(cfg.dir, p);
}

export function partyEntry(cfg: PartiesConfig, id: PartyId): PartyEntry {
  return cfg.parties[id];
}

/** Absolute path of party `id`'s private key file. */
export function partyKeyFile(cfg: PartiesConfig, id: PartyId): string {
  return under(cfg, cfg.parties[id].keyFile ?? `p${id}.key`);
}

/** Absolute data folder of party `id` (default `<config dir>/data/p<id>`). */
export function partyDataDir(cfg: PartiesConfig, id: PartyId): string {
  return under(cfg, cfg.parties[id].dataDir ?? `data/p${id}`);
}

/** The WebSocket URL a peer dials to reach party `id`. */
export function partyUrl(cfg: PartiesConfig, id: PartyId): string {
  const { host, port } = cfg.parties[id];
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** A party's private key must be the one its config lists for it (a stale key file or config is caught at start). */
export function checkPartyKey(cfg: PartiesConfig, id: PartyId, publicKeyHex: string, keyFile: string): void {
  if (cfg.parties[id].publicKey !== publicKeyHex.toLowerCase()) {
    throw new MpcError('MPC_ERR_CONFIG', `the key in ${keyFile} is not P${id}'s key in the parties config (parties[${id}].publicKey): the key file and parties.json come from different \`npm run keys\` runs`);
  }
}

export function asPartyId(n: number, label = 'party id'): PartyId {
  if (n !== 0 && n !== 1 && n !== 2) throw new MpcError('MPC_ERR_CONFIG', `${label} must be 0, 1 or 2, got ${n}`);
  return n;
}

/** Default location of parties.json for the CLIs: $TRIFORM_CONFIG, else .triform/parties.json under the working directory. */
export function defaultConfigPath(): string {
  return resolve(process.env.TRIFORM_CONFIG ?? '.triform/parties.json');
}
