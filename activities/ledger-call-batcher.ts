import type { LedgerSignalGate } from './ledger-signal-gate';

/**
 * Calls to the GPU ledger from one worker process, sent in batches through the process's gate:
 * each batch in flight takes every call waiting at the moment it starts (at most `maxBatch`),
 * so while the gate is full calls gather instead of queueing one by one. A batch that fails
 * fails each of its calls (their activities retry them, and every ledger call is idempotent).
 */
export class LedgerCallBatcher<Call, Answer> {
  private readonly pending: { call: Call; resolve: (answer: Answer) => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly gate: LedgerSignalGate,
    /** Sends the calls in order; answers them in the same order. */
    private readonly send: (calls: Call[]) => Promise<Answer[]>,
    private readonly maxBatch = LEDGER_CALLS_PER_BATCH,
  ) {}

  /** Calls waiting for a batch, for metrics and tests. */
  get waiting(): number {
    return this.pending.length;
  }

  submit(call: Call): Promise<Answer> {
    const answer = new Promise<Answer>((resolve, reject) => this.pending.push({ call, resolve, reject }));
    void this.gate.run(() => this.flush());
    return answer;
  }

  private async flush(): Promise<void> {
    // an earlier batch may have taken this call already: then this turn of the gate is free
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    try {
      const answers = await this.send(batch.map((b) => b.call));
      if (answers.length !== batch.length) {
        throw new Error(`the ledger answered ${answers.length} of a batch of ${batch.length} calls`);
      }
      for (const [i, b] of batch.entries()) b.resolve(answers[i] as Answer);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}

/**
 * The most calls in one batch: each request carries its share's deployment (~0.5 KB), so a batch
 * stays far below Temporal's payload limits, and one workflow task of the ledger applies it.
 */
export const LEDGER_CALLS_PER_BATCH = 100;
