import { log } from '@temporalio/activity';
import { recordLoadStat } from './load-stats';

// Progress of one step (an evaluation, a customization, a deployment) written to the results
// store without holding up the poll loop: only the latest progress is kept, and it is written
// at most once per `everyMs` (the first at once), one write in flight at a time. Progress is
// advisory, so a failed write is logged and the next one carries the newer figures.

export interface ProgressWriterOptions<P> {
  write: (patch: P) => Promise<unknown>;
  everyMs: number;
  now?: () => number;
}

export class ProgressWriter<P> {
  private pending: P | undefined;
  private inFlight: Promise<void> | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** Writes issued to the store (for tests and figures). */
  writes = 0;
  private readonly now: () => number;

  constructor(private readonly options: ProgressWriterOptions<P>) {
    this.now = options.now ?? Date.now;
  }

  /** Keeps `patch` as the latest progress and writes it if the last write is old enough. */
  offer(patch: P): void {
    this.pending = patch;
    if (!this.inFlight && this.now() - this.lastWriteAt >= this.options.everyMs) this.writePending();
  }

  /** Waits for the write in flight, then writes the latest progress if it is not written yet. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.pending !== undefined) {
      this.writePending();
      await this.inFlight;
    }
  }

  private writePending(): void {
    const patch = this.pending as P;
    this.pending = undefined;
    this.lastWriteAt = this.now();
    this.writes += 1;
    const started = Date.now();
    this.inFlight = this.options
      .write(patch)
      .then(
        () => recordLoadStat('storeWriteMs', Date.now() - started),
        (err) => warn('progress write failed; the next one carries newer figures', String(err)),
      )
      .finally(() => {
        this.inFlight = undefined;
      });
  }
}

function warn(message: string, error: string): void {
  try {
    log.warn(message, { error });
  } catch {
    console.warn(message, error); // outside an activity (a unit test)
  }
}
