/**
 * The parties' model-loading progress on the client's stderr (infer, demo). On a terminal: one
 * status line for the three parties, replaced in place, and a lasting line as each party
 * finishes. Elsewhere (a pipe, a log file): a line when a party starts, at each quarter of the
 * bytes, and when it finishes. A model the parties already hold (`cached`) prints nothing.
 */
import type { PartyId } from '../src/protocols/channel.js';
import { describeProgress, isFinal, type LoadStatus } from '../src/parties/load-progress.js';
import { StatusLine } from './term.js';

export class LoadProgressView {
  private readonly latest: (LoadStatus | null)[] = [null, null, null];
  private readonly quarter = [-1, -1, -1];
  private readonly status: StatusLine;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.status = new StatusLine(stream);
  }

  /** RunOptions.onProgress. */
  readonly update = (from: PartyId, p: LoadStatus): void => {
    if (p.cached) return;
    this.latest[from] = p;
    if (isFinal(p)) {
      this.status.clear();
      this.stream.write(describeProgress(from, p) + '\n');
    } else if (this.stream.isTTY !== true) {
      const q = p.bytesTotal === 0 ? 0 : Math.floor((4 * p.bytesDone) / p.bytesTotal);
      if (q > this.quarter[from]) this.stream.write(describeProgress(from, p) + '\n');
      this.quarter[from] = Math.max(q, this.quarter[from]);
      return;
    }
    const loading = this.latest.map((l, j) => (l && !isFinal(l) ? `P${j} ${l.done}/${l.total}` : null)).filter((s) => s !== null);
    if (loading.length > 0) this.status.set(`  loading ${p.modelId}: ${loading.join(' · ')} tensors`);
  };

  /** Remove the status line (the session ended, or failed, before every party finished). */
  done(): void {
    this.status.clear();
  }
}
