/**
 * Helpers for a setup on one machine: free ports, a key set plus parties.json (what
 * `npm run keys` writes), and spawning a party process (tests, benches, `npm run parties`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MpcError } from '../protocols/errors.js';
import { defaultLimits, type PartiesConfigFile } from './config.js';
import { generateIdentity, toHex, writeKeyFile } from './keys.js';

/** The repository root (where package.json and scripts/ live). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

/**
 * `n` distinct TCP ports free right now on `host`, chosen below the kernel's ephemeral range,
 * so that a party restarted on its port does not find it taken by some outgoing connection
 * (whose local port comes from that range) or by a server bound to port 0.
 */
export async function findFreePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const [lo] = ephemeralRange();
  const top = Math.max(2048, lo - 1);
  const bottom = Math.max(1025, top - 20_000);
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < 1000; tries++) {
    const p = bottom + Math.floor(Math.random() * (top - bottom));
    if (!out.includes(p) && (await canBind(p, host))) out.push(p);
  }
  if (out.length < n) throw new MpcError('MPC_ERR_CONFIG', `could not find ${n} free ports on ${host}`);
  return out;
}

export interface SetupOptions {
  /** Output folder for keys and parties.json. */
  out: string;
  host?: string;
  /** Ports of P0, P1, P2 (default: basePort, basePort+1, basePort+2). */
  ports?: [number, number, number];
  basePort?: number;
  /** Client names; one key file `<name>.key` each (default ['client']). */
  clients?: string[];
  heartbeatTimeoutMs?: number;
  /** Overwrite existing key files. */
  force?: boolean;
}

export interface Setup {
  configPath: string;
  config: PartiesConfigFile;
  keyFiles: string[];
}

/** Write identity keys for P0–P2 and the clients (mode 0600) and a matching parties.json. */
export function writeLocalSetup(o: SetupOptions): Setup {
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true, mode: 0o700 }); // holds private keys
  const host = o.host ?? '127.0.0.1';
  const base = o.basePort ?? 7100;
  const ports = o.ports ?? [base, base + 1, base + 2];
  const clients = o.clients ?? ['client'];
  for (const c of clients) if (!/^[A-Za-z0-9_-]{1,64}$/.test(c)) throw new MpcError('MPC_ERR_CONFIG', `client name '${c}' must be letters, digits, _ or -`);
  const configPath = join(out, 'parties.json');
  const keyFiles: string[] = [];
  const names = [...[0, 1, 2].map((i) => `p${i}`), ...clients];
  if (!o.force) for (const n of [...names.map((n) => join(out, `${n}.key`)), configPath]) if (existsSync(n)) throw new MpcError('MPC_ERR_CONFIG', `${n} exists (pass --force to overwrite)`);
  const ids = names.map((n) => generateIdentity(n.toUpperCase()));
  ids.forEach((id, i) => {
    const f = join(out, `${names[i]}.key`);
    writeKeyFile(f, id, true);
    keyFiles.push(f);
  });
  const config: PartiesConfigFile = {
    version: 1,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 5000,
    parties: ([0, 1, 2] as const).map((i) => ({ id: i, host, port: ports[i], publicKey: toHex(ids[i].publicKey), keyFile: `p${i}.key`, dataDir: `data/p${i}` })),
    clients: clients.map((c, k) => ({ name: c, publicKey: toHex(ids[3 + k].publicKey) })),
    limits: defaultLimits(),
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');
  return { configPath, config, keyFiles };
}

export interface SpawnOptions {
  logLevel?: string;
  pretty?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (default: load tsx). */
  nodeArgs?: string[];
  /** Extra arguments for scripts/party.ts (e.g. --insecure-permissions). */
  partyArgs?: string[];
  /** More extra arguments for scripts/party.ts (e.g. ['--net', 'lan']). */
  args?: string[];
}

/** Call `cb` with every complete line a child's output stream prints. */
export function onLines(stream: NodeJS.ReadableStream | null | undefined, cb: (line: string) => void): void {
  let buf = '';
  stream?.on('data', (d: Buffer | string) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      cb(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** Start `scripts/party.ts` as a child process (stdout/stderr piped). */
export function spawnParty(configPath: string, id: number, o: SpawnOptions = {}): ChildProcess {
  const args = [...(o.nodeArgs ?? ['--import', 'tsx']), join(REPO_ROOT, 'scripts/party.ts'), '--id', String(id), '--config', configPath, '--log-level', o.logLevel ?? 'info', o.pretty ? '--pretty' : '--json', ...(o.partyArgs ?? []), ...(o.args ?? [])];
  return spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A party child process whose output lines are collected (so the pipe never fills) and can be
 * awaited: `await pp.waitFor(/listening/)`.
 */
export class PartyProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private watchers: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];

  constructor(
    readonly configPath: string,
    readonly id: number,
    o: SpawnOptions = {},
  ) {
    this.child = spawnParty(configPath, id, o);
    this.exited = new Promise((res) => this.child.once('exit', (code, sig) => res(code ?? (sig ? -1 : null))));
    for (const stream of [this.child.stdout, this.child.stderr]) onLines(stream, (line) => this.push(line));
  }

  private push(line: string): void {
    this.lines.push(line);
    const idx = this.lines.length - 1;
    this.watchers = this.watchers.filter((w) => {
      if (idx >= w.from && w.re.test(line)) {
        w.resolve(line);
        return false;
      }
      return true;
    });
  }

  /** The first line from index `from` on matching `re` (already printed or future). */
  waitFor(re: RegExp, ms = 20_000, from = 0): Promise<string> {
    for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i])) return Promise.resolve(this.lines[i]);
    return new Promise((resolve, reject) => {
      const w = { re, from, resolve: (l: string) => (clearTimeout(t), resolve(l)) };
      const t = setTimeout(() => {
        this.watchers = this.watchers.filter((x) => x !== w);
        reject(new Error(`P${this.id}: no line matching ${re} within ${ms} ms; last lines:\n${this.lines.slice(-5).join('\n')}`));
      }, ms);
      this.watchers.push(w);
      void this.exited.then((code) => {
        if (this.watchers.includes(w)) {
          clearTimeout(t);
          this.watchers = this.watchers.filter((x) => x !== w);
          reject(new Error(`P${this.id} exited (code ${code}) before printing ${re}; last lines:\n${this.lines.slice(-5).join('\n')}`));
        }
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
