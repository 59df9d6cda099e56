import { type Collection, MongoBulkWriteError, MongoServerError } from 'mongodb';

// The change log of finished runs' details: every write that changes what a finished run's
// detail shows (a revision bump, a reopen, a deletion) appends the run's id here after writing,
// so an API replica that caches rendered details learns which ones went stale from one or two
// `_id` reads per poll instead of one read per request (api/jobs/detail-feed.ts).
//
// Why numbered documents and not one document with a list: FerretDB 1.24 applies an update by
// reading the document, changing it in Go and writing it back, with no lock, so two writers
// updating one change document at once can lose an entry, and a lost entry is a detail served
// stale forever. An insert with a given `_id` is atomic on FerretDB (a unique index in
// PostgreSQL) and on MongoDB alike, so a change claims its number by inserting `change:<n>`;
// on a duplicate it tries n+1. A writer starts from the `head` document, which only ever holds
// a number some writer inserted, so the numbers in use are always 1..N without holes, and a
// reader can stop at the first missing number. Each writer prunes the change `kept` numbers
// before its own, so the log holds at most about `kept` documents; a reader that falls further
// behind than that sees a number below the head missing, and is told it lost track.

export interface DetailChangeDoc {
  _id: string;
  n: number;
  run_id: string;
  at: Date;
}

/** One change: its number and the run whose detail changed. */
export interface DetailChange {
  n: number;
  runId: string;
}

export interface DetailChangesRead {
  /** The number of the last change read: pass it as `after` next time. */
  head: number;
  /** The changes after `after`, in order. */
  changes: DetailChange[];
  /** Changes after `after` were pruned unread: the reader must drop everything it cached. */
  lost: boolean;
}

/** How many changes the log keeps (a reader that falls further behind starts over). */
export const DETAIL_CHANGES_KEPT = 1000;
/** How many change documents a reader asks for at once while catching up. */
const READ_BATCH = 16;
/** How many changes are pruned at once (see prune). */
const PRUNE_EVERY = 8;
const HEAD = 'head';
const changeId = (n: number) => `change:${n}`;

type LogDoc = DetailChangeDoc | { _id: typeof HEAD; n: number };

export class DetailChangeLog {
  constructor(
    private readonly collection: Collection<LogDoc>,
    private readonly kept = DETAIL_CHANGES_KEPT,
  ) {}

  /** Changes waiting for the append under way, and that append. */
  private waiting: { runId: string; done: (n: number) => void; fail: (err: unknown) => void }[] = [];
  private appending: Promise<void> | undefined;

  /**
   * Appends a change of the run; resolves to its number. Call after the write it announces.
   * One append at a time per log object: changes recorded while one is under way wait and go
   * together in the next (one head read, one insert, one head write for all of them), so the
   * writes of one process never race each other for a number, and twenty runs finishing at
   * once cost a few commands, not twenty times as many plus their duplicate-number retries.
   */
  record(runId: string): Promise<number> {
    return new Promise<number>((done, fail) => {
      this.waiting.push({ runId, done, fail });
      this.appending ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0);
        try {
          const numbers = await this.append(batch.map((b) => b.runId));
          for (const [i, b] of batch.entries()) b.done(numbers[i] as number);
        } catch (err) {
          for (const b of batch) b.fail(err);
        }
      }
    } finally {
      // in the same turn as the last check of `waiting`: a change recorded after it starts a new drain
      this.appending = undefined;
    }
  }

  /** Appends the changes in order under consecutive free numbers from the head on; returns them. */
  private async append(runIds: string[]): Promise<number[]> {
    for (;;) {
      const numbers: number[] = [];
      let n = (await this.headHint()) + 1;
      while (numbers.length < runIds.length) {
        const rest = runIds.slice(numbers.length);
        const docs = rest.map((runId, i) => ({ _id: changeId(n + i), n: n + i, run_id: runId, at: new Date() }));
        try {
          await this.collection.insertMany(docs, { ordered: true });
          numbers.push(...docs.map((d) => d.n));
          break;
        } catch (err) {
          // Ordered: the documents before the first failure are in, the failing number is
          // taken (by another process), and nothing after it was tried.
          const failed = err instanceof MongoBulkWriteError ? err.writeErrors : undefined;
          const first = Array.isArray(failed) ? failed[0] : failed;
          if (!(err instanceof MongoServerError) || first?.code !== 11000) throw err;
          const inserted = first.index;
          numbers.push(...docs.slice(0, inserted).map((d) => d.n));
          n += inserted + 1;
        }
      }
      const last = numbers[numbers.length - 1] as number;
      const head = await this.advanceHead(last);
      await this.prune(numbers[0] as number, last);
      // A writer stalled between reading the head and inserting (for `kept` changes) could have
      // taken numbers already pruned, below every reader: then announce the changes again.
      if (head - (numbers[0] as number) < this.kept / 2) return numbers;
    }
  }

  /**
   * The changes after `after`; with `after` null (a reader starting, with nothing cached) only
   * where the log stands now.
   */
  async readAfter(after: number | null): Promise<DetailChangesRead> {
    // The head first: every number up to it was inserted before this read began.
    const hint = await this.headHint();
    const changes: DetailChange[] = [];
    let next = (after ?? hint) + 1;
    for (let size = 1; ; size = READ_BATCH) {
      const docs = await Promise.all(
        Array.from({ length: size }, (_, i) => this.collection.findOne({ _id: changeId(next + i) })),
      );
      const missing = docs.indexOf(null);
      const got = (missing === -1 ? docs : docs.slice(0, missing)) as DetailChangeDoc[];
      for (const d of got) changes.push({ n: d.n, runId: d.run_id });
      next += got.length;
      if (missing !== -1) break;
    }
    if (after === null) return { head: next - 1, changes: [], lost: false };
    // `next` is missing. At or below the head it was inserted once, so it was pruned unread; a
    // head below the reader's own last change, with that change gone, is a log that was reset
    // (dropped, restored from a backup).
    const pruned = next <= hint;
    const reset =
      !pruned &&
      changes.length === 0 &&
      after > 0 &&
      hint < after &&
      (await this.collection.findOne({ _id: changeId(after) })) === null;
    if (pruned || reset) return { ...(await this.readAfter(null)), lost: true };
    return { head: next - 1, changes, lost: false };
  }

  /**
   * Each append of changes `from`..`to` deletes, in one command, the changes `kept` numbers
   * before those of them that are multiples of PRUNE_EVERY, and the PRUNE_EVERY - 1 before
   * each: the log holds at most kept + PRUNE_EVERY changes, and a change left by a writer that
   * died before pruning is only an extra document.
   */
  private async prune(from: number, to: number): Promise<void> {
    const every = Math.min(PRUNE_EVERY, this.kept);
    const ids: string[] = [];
    for (let n = Math.ceil(from / every) * every; n <= to; n += every) {
      for (let m = n - this.kept; m > n - this.kept - every && m >= 1; m--) ids.push(changeId(m));
    }
    if (ids.length === 0) return;
    await this.collection.bulkWrite(
      ids.map((_id) => ({ deleteOne: { filter: { _id } } })),
      { ordered: false },
    );
  }

  private async headHint(): Promise<number> {
    const doc = await this.collection.findOne({ _id: HEAD });
    return doc?.n ?? 0;
  }

  /** Raises the head to n (never lowers it); returns the head after the write. */
  private async advanceHead(n: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.collection.findOneAndUpdate(
          { _id: HEAD },
          { $max: { n } },
          { upsert: true, returnDocument: 'after' },
        );
        return doc?.n ?? n;
      } catch (err) {
        // two first writers upserting the head at once: the loser updates the winner's
        if (!(err instanceof MongoServerError && err.code === 11000) || attempt > 2) throw err;
      }
    }
  }
}
