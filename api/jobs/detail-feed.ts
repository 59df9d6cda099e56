import type { DetailChangesRead } from '../../stores/results/detail-changes';
import type { ChangePosition } from './detail-cache';

/** What the feed applies what it reads to: the detail cache, the list page cache. */
export interface ChangeSink {
  applyChanges(changes: { n: ChangePosition; runId: string }[]): void;
  /** The log was read too late to say what changed: drop everything; reads begun before `position` are not kept. */
  clear(position: ChangePosition): void;
}

// This process's reader of the store's change log of finished details and listed run fields
// (stores/results/detail-changes.ts): it applies the changes to the detail cache and the list
// page cache and says whether they may be served from memory right now.
//
// Polling is driven by requests, not a timer: a request that finds the last read older than
// `pollMs` starts the next one in the background, so a busy replica reads the log about every
// `pollMs` (one or two `_id` reads each) and an idle one reads nothing. The cache is served from
// memory only while the last successful read BEGAN less than `staleMs` ago: that read saw every
// change recorded before it began, so a write announced at time t is never served after
// t + staleMs. A request that finds the log older than that waits for a read (or, if the store
// does not answer, goes to the store itself).

export const DEFAULT_DETAIL_FEED_POLL_MS = 250;
export const DEFAULT_DETAIL_FEED_STALE_MS = 1000;

export class DetailFeed {
  private position: ChangePosition | null = null;
  /** When the last successful read of the log began (ms, from `now`). */
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: (after: ChangePosition | null) => Promise<DetailChangesRead>,
    private readonly sinks: ChangeSink[],
    readonly pollMs = DEFAULT_DETAIL_FEED_POLL_MS,
    readonly staleMs = DEFAULT_DETAIL_FEED_STALE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Where the log stands as far as this process has applied it (a store read beginning now is
   * cached under it), or null before the first read.
   */
  get applied(): ChangePosition | null {
    return this.position;
  }

  /** Whether the cache may be served from memory now; starts the next read when one is due. */
  servable(): boolean {
    const age = this.now() - this.readAt;
    if (age >= this.pollMs) void this.poll().catch(() => undefined);
    return age < this.staleMs;
  }

  /** servable(), after waiting for a read of the log if the last one is too old. */
  async servableSoon(): Promise<boolean> {
    if (this.servable()) return true;
    await this.poll().catch(() => undefined); // the store did not answer: the caller reads it itself
    return this.now() - this.readAt < this.staleMs;
  }

  /** Reads the log now, or joins the read under way. */
  poll(): Promise<void> {
    if (!this.reading) {
      const began = this.now();
      this.reading = this.read(this.position)
        .then((r) => {
          for (const sink of this.sinks) {
            if (r.lost) sink.clear(r.head);
            else sink.applyChanges(r.changes);
          }
          this.position = r.head;
          this.readAt = Math.max(this.readAt, began);
        })
        .finally(() => {
          this.reading = undefined;
        });
    }
    return this.reading;
  }
}
