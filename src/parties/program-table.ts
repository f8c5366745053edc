/**
 * The contract between a party server and the programs it serves. A program runs once at each
 * party on the same protocol code as the in-memory runs:
 *
 *   (party: Party, session: ProgramSession, params) => Promise<result>
 *
 * `party` is what makeLocalParties builds (Comm over the session's channel, a Meter, the
 * session's fresh PRSS, ring config and kernels); `session.client` is this party's end of the
 * client link (src/protocols/client-link.ts). The result must be msgpack-serialisable (plain
 * objects, arrays, numbers, strings, Uint8Array); it reaches the client with the party's Meter
 * snapshot. The programs themselves live in src/programs; the server gets its table as a value.
 */
import type { ZodType } from 'zod';
import type { ClientLink } from '../protocols/client-link.js';
import type { Party } from '../protocols/context.js';
import { MpcError } from '../protocols/errors.js';
import type { LoadStatus } from './load-progress.js';
import type { Logger } from './log.js';

/** What a program's party half has of its session besides the Party. */
export interface ProgramSession {
  readonly id: string;
  /** This party's end of the link to the session's client. */
  readonly client: ClientLink;
  /** This party's data folder (model shares), if configured. */
  readonly dataDir: string;
  /** Session-scoped logger (never log values). */
  readonly log: Logger;
  /** Model-loading status for the client (rate-limited; dropped unless the client asked for it; load-progress.ts). */
  progress?(p: LoadStatus): void;
}

export type Program<P = unknown, R = unknown> = (party: Party, session: ProgramSession, params: P) => Promise<R>;

export interface ProgramDef<P = unknown, R = unknown> {
  readonly name: string;
  readonly description: string;
  /** Validates the client's params at every party before the session is queued. */
  readonly params: ZodType<P>;
  /** The party half. */
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
