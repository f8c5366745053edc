/**
 * BenchOps: SecureOps plus a progress callback at every `layerN` scope the model opens
 * (LLaMA, GPT-2 and BERT wrap each layer in ops.scope(`layer${l}`)).
 */
import type { Party } from '../../src/protocols/context.js';
import type { ClientLink } from '../../src/protocols/client-link.js';
import { SecureOps, type SecureOpsOptions } from '../../src/model/secure-ops.js';

export type LayerProgress = (layer: number) => void;

const LAYER = /^layer(\d+)$/;

export class BenchOps extends SecureOps {
  constructor(
    party: Party,
    client: ClientLink,
    opts: SecureOpsOptions,
    private readonly onLayer?: LayerProgress,
  ) {
    super(party, client, opts);
  }

  override scope<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const m = LAYER.exec(label);
    if (m) this.onLayer?.(Number(m[1]));
    return super.scope(label, fn);
  }
}
