/**
 * ClientPort: what a computing party's model code sees of the client. The client one-hot encodes
 * its tokens and sends each party its pair of shares; outputs go back as each party's share x_i
 * (the client adds the three). Control messages tell the parties whether generation continues.
 *
 * `LocalClient` is the in-process implementation (three parties and the client in one process).
 * The networked implementation lives in src/parties.
 */
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import { splitShares } from '../protocols/io.js';
import { MpcError } from '../protocols/errors.js';
import { AsyncQueue } from '../protocols/async-queue.js';
import { Prg } from '../ring/prg.js';
import { sizeOf, type Shape } from '../ring/tensor.js';

export interface ClientPort {
  /** This party's shares of the client's next input of the given shape. */
  input(tag: string, shape: Shape): Promise<AShare>;
  /** Send this party's component of an output to the client. */
  output(tag: string, x: AShare): Promise<void>;
  /** Whether the client wants another decode step. */
  proceed(): Promise<boolean>;
}

/** The client's side of a session with three parties. */
export interface ClientEnd {
  sendInput(tag: string, shape: Shape, values: BigUint64Array): Promise<void>;
  receiveOutput(tag: string, n: number): Promise<BigUint64Array>;
  sendProceed(go: boolean): Promise<void>;
}

interface Tagged<T> {
  tag: string;
  value: T;
}

/** Client and three party ports wired in memory. */
export class LocalClient implements ClientEnd {
  private readonly inputs = [0, 1, 2].map(() => new AsyncQueue<Tagged<[BigUint64Array, BigUint64Array]>>());
  private readonly controls = [0, 1, 2].map(() => new AsyncQueue<boolean>());
  private readonly outputs = [0, 1, 2].map(() => new AsyncQueue<Tagged<BigUint64Array>>());
  readonly ports: [ClientPort, ClientPort, ClientPort];

  constructor(private readonly prg: Prg = Prg.random()) {
    this.ports = [0, 1, 2].map((i) => this.port(i)) as [ClientPort, ClientPort, ClientPort];
  }

  private port(i: number): ClientPort {
    return {
      input: async (tag, shape) => {
        const m = await this.inputs[i].take();
        const n = sizeOf(shape);
        if (m.tag !== tag || m.value[0].length !== n) {
          throw new MpcError('MPC_ERR_SHAPE', `party ${i} expected client input '${tag}' of ${n} elements, got '${m.tag}' of ${m.value[0].length}`, { party: i, tag });
        }
        return aShare(shape, m.value[0], m.value[1]);
      },
      output: async (tag, x) => this.outputs[i].put({ tag, value: x.s0.slice() }),
      proceed: () => this.controls[i].take(),
    };
  }

  async sendInput(tag: string, shape: Shape, values: BigUint64Array): Promise<void> {
    if (values.length !== sizeOf(shape)) throw new RangeError(`client input '${tag}': ${values.length} values for shape [${shape.join(',')}]`);
    const parts = splitShares(values, this.prg);
    parts.forEach((pair, i) => this.inputs[i].put({ tag, value: pair }));
  }

  async receiveOutput(tag: string, n: number): Promise<BigUint64Array> {
    const got = await Promise.all(this.outputs.map((q) => q.take()));
    const out = new BigUint64Array(n);
    for (const g of got) {
      if (g.tag !== tag || g.value.length !== n) throw new MpcError('MPC_ERR_SHAPE', `client expected output '${tag}' of ${n} elements, got '${g.tag}' of ${g.value.length}`, { tag });
      for (let j = 0; j < n; j++) out[j] += g.value[j];
    }
    return out;
  }

  async sendProceed(go: boolean): Promise<void> {
    for (const q of this.controls) q.put(go);
  }

  /** A party failed: wake everyone who waits on the client link. */
  abort(e: Error): void {
    for (const q of [...this.inputs, ...this.controls, ...this.outputs]) (q as AsyncQueue<unknown>).fail(e);
  }
}
