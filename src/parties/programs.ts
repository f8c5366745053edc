/**
 * Programs a client can run at the parties, by name. A program runs once at each party on the
 * same protocol code as the in-memory runs:
 *
 *   (party: Party, io: ClientIO, params) => Promise<result>
 *
 * `party` is exactly what makeLocalParties builds (Comm over the WebSocket channel, a Meter,
 * the session's fresh PRSS, ring config and kernels). `io` talks to the client of the session:
 * input shares in, output shares and files out. The result must be msgpack-serialisable (plain
 * objects, arrays, numbers, strings, Uint8Array); it reaches the client with the party's Meter
 * snapshot.
 */
import type { ZodType } from 'zod';
import type { Party } from '../protocols/context.js';
import { MpcError } from '../protocols/errors.js';
import type { AShare, BitShare } from '../protocols/share.js';
import type { Shape } from '../ring/tensor.js';
import type { LoadStatus } from './load-progress.js';
import type { Logger } from './log.js';

export interface IoStats {
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
}

/** A party's side of the client connection of one session. */
export interface ClientIO {
  readonly session: string;
  /** This party's data folder (model shares), if configured. */
  readonly dataDir: string;
  /** Session-scoped logger (never log values). */
  readonly log: Logger;
  readonly stats: IoStats;
  /** Next frame from the client: must carry `tag` and n u64 elements (else MPC_ERR_TAG_MISMATCH / MPC_ERR_SHAPE). */
  recvU64(tag: string, n: number): Promise<BigUint64Array>;
  recvBytes(tag: string, n: number): Promise<Uint8Array>;
  /** This party's replicated share (x_i, x_{i+1}) of a client input, sent by ClientSession.sendShares. */
  recvShare(tag: string, shape: Shape): Promise<AShare>;
  sendU64(tag: string, data: BigUint64Array, shape?: Shape): void;
  sendBytes(tag: string, data: Uint8Array): void;
  /** Send x_i (this party's first component): the client adds the three to reveal x. */
  sendShare(tag: string, x: AShare): void;
  /** Send the first component of a packed bit share: the client XORs the three. */
  sendBits(tag: string, b: BitShare): void;
  /** Wait until everything sent so far has left the process (bulk transfers). */
  flush(): Promise<void>;
  /** Model-loading status for the client (rate-limited; dropped unless the client asked for it). */
  progress?(p: LoadStatus): void;
}

export type Program<P = unknown, R = unknown> = (party: Party, io: ClientIO, params: P) => Promise<R>;

export interface ProgramDef<P = unknown, R = unknown> {
  readonly name: string;
  readonly description: string;
  /** Validates the client's params at every party before the session is queued. */
  readonly params: ZodType<P>;
  readonly run: Program<P, R>;
}

export class ProgramRegistry {
  private readonly defs = new Map<string, ProgramDef>();

  register<P, R>(def: ProgramDef<P, R>): this {
    if (!/^[a-z][a-z0-9_/.-]{0,63}$/.test(def.name)) throw new RangeError(`bad program name '${def.name}'`);
    if (this.defs.has(def.name)) throw new RangeError(`program '${def.name}' is already registered`);
    this.defs.set(def.name, def as unknown as ProgramDef);
    return this;
  }

  get(name: string): ProgramDef {
    const d = this.defs.get(name);
    if (!d) throw new MpcError('MPC_ERR_INPUT', `unknown program '${name}' (known: ${this.names().join(', ')})`);
    return d;
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  names(): string[] {
    return [...this.defs.keys()].sort();
  }

  /** Validate params for `name`; MPC_ERR_INPUT naming the bad field. */
  parse(name: string, params: unknown): unknown {
    const r = this.get(name).params.safeParse(params);
    if (!r.success) {
      const why = r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
      // bounded: the issues may quote the client's keys, and the reply must fit one control message
      throw new MpcError('MPC_ERR_INPUT', `bad params for program '${name}': ${why.length > 500 ? `${why.slice(0, 500)}…` : why}`);
    }
    return r.data;
  }
}
