/**
 * At most `limit` calls to the GPU ledger in flight from one worker process (its batched
 * updates, activities/ledger-call-batcher.ts, and its remaining signals); the rest wait here,
 * in order. Every call is a write to ONE workflow, whose state the Temporal server updates one
 * call at a time: in a burst of 300 runs (1,200 lease signals within a minute, docs/
 * benchmarks.md) hundreds of concurrent signals queued on that workflow's lock, timed out
 * (DEADLINE_EXCEEDED after minutes), were retried and queued again, and runs completed at ~0.4
 * a minute. Waiting here costs the server nothing, and Temporal takes at most 10 updates in
 * flight per workflow. (p-limit does this, but its maintained majors are ES modules only and
 * this project compiles to CommonJS.)
 */
export class LedgerSignalGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`ledger signal limit must be >= 1, got ${limit}`);
  }

  /** Signals in flight and waiting, for metrics and tests. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  async run<T>(send: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resume) => this.waiting.push(resume));
    else this.active++;
    try {
      return await send();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Calls (batches of updates, or signals) one worker process sends the ledger at once. */
export const LEDGER_SIGNALS_IN_FLIGHT = 4;
