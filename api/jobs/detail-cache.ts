import type { FlywheelRunDoc } from '../../stores/results/schema';

// Rendered details of finished jobs, kept in this API process. A finished job's detail changes
// only through writes that bump its run document's detail_revision (or reopen it: a new
// finished_at, or delete it), so an entry is kept under the run's (finished_at,
// detail_revision), its version.
//
// Consistency (the whole argument is in docs/operations.md, "Finished job details"): every
// such write is announced in the store's change log after it is made
// (stores/results/detail-changes.ts), and this process reads that log (detail-feed.ts, one or
// two `_id` reads per poll) and drops the entries it names. An entry is served from memory only
// while the log was read less than the feed's `staleMs` ago, so a write made elsewhere (the
// worker, another API replica, the deletion workflow) is never served after that bound; a
// DELETE through this replica drops its entry at once. An entry filled from a store read is
// kept only if no change of its job was read after that read began (`set`), so a slow read
// cannot put back a detail the log already dropped. As a backstop, every entry is checked
// against its run document at least every `revalidateMs`; with revalidateMs = 0 every request
// reads the run document and nothing is ever stale. What the cache saves: the store reads
// (run, snapshot), and rendering, serialising and hashing the body.

export const DEFAULT_DETAIL_CACHE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_DETAIL_REVALIDATE_MS = 10 * 60_000;
/** How many recent changes are remembered for `set`'s check (older reads are not cached). */
const CHANGES_REMEMBERED = 10_000;

export interface CachedDetail {
  /** The JSON body, serialised once. */
  body: string;
  etag: string;
  /** The run's client, so a caller's scope is checked without reading the run. */
  clientId: string;
}

/** The version of a finished run's detail; null for a run that has not finished (never cached). */
export function detailVersion(run: Pick<FlywheelRunDoc, 'finished_at' | 'detail_revision'>): string | null {
  if (!run.finished_at) return null;
  return `${run.finished_at.getTime()}:${run.detail_revision ?? 0}`;
}

interface Entry extends CachedDetail {
  version: string;
  /** When the store last confirmed this version (ms, from `now`). */
  checkedAt: number;
}

/** A change log position, as read by detail-feed.ts: every change up to it has been applied. */
export type ChangePosition = number;

/** One detail per job, least recently used evicted first, bounded by the total size of the bodies. */
export class DetailCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** The last change applied per job, oldest first; reads begun before `floor` are not cached. */
  private readonly changed = new Map<string, ChangePosition>();
  private floor: ChangePosition = 0;

  constructor(
    readonly maxBytes: number,
    readonly revalidateMs = DEFAULT_DETAIL_REVALIDATE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The job's detail if the store confirmed it less than revalidateMs ago. */
  recent(jobId: string): CachedDetail | undefined {
    const hit = this.entries.get(jobId);
    if (!hit || this.now() - hit.checkedAt >= this.revalidateMs) return undefined;
    return this.touch(jobId, hit);
  }

  /** The job's detail if it is of this version (just read from the store: confirmed now). */
  get(jobId: string, version: string): CachedDetail | undefined {
    const hit = this.entries.get(jobId);
    if (!hit || hit.version !== version) return undefined;
    hit.checkedAt = this.now();
    return this.touch(jobId, hit);
  }

  /**
   * Keeps the job's detail of this version, rendered from a store read that began when the
   * change log stood at `readFrom`, replacing any other version of it. Not kept when a change
   * of the job was applied after that (the read may predate it) or when `readFrom` is unknown.
   */
  set(jobId: string, version: string, value: CachedDetail, readFrom: ChangePosition | null): void {
    this.delete(jobId);
    if (readFrom === null || readFrom < this.floor || (this.changed.get(jobId) ?? -1) > readFrom) return;
    if (value.body.length > this.maxBytes) return;
    this.entries.set(jobId, { ...value, version, checkedAt: this.now() });
    this.bytes += value.body.length;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  /** Drops the details the change log names. */
  applyChanges(changes: { n: ChangePosition; runId: string }[]): void {
    for (const { n, runId } of changes) {
      this.delete(runId);
      this.changed.delete(runId);
      this.changed.set(runId, n);
    }
    for (const [runId, n] of this.changed) {
      if (this.changed.size <= CHANGES_REMEMBERED) break;
      this.changed.delete(runId);
      this.floor = Math.max(this.floor, n);
    }
  }

  /** Drops everything (the change log was read too late to say what changed); reads begun before `position` are not cached. */
  clear(position: ChangePosition): void {
    this.entries.clear();
    this.changed.clear();
    this.bytes = 0;
    this.floor = Math.max(this.floor, position);
  }

  delete(jobId: string): void {
    const e = this.entries.get(jobId);
    if (!e) return;
    this.bytes -= e.body.length;
    this.entries.delete(jobId);
  }

  private touch(jobId: string, hit: Entry): Entry {
    // most recently used last
    this.entries.delete(jobId);
    this.entries.set(jobId, hit);
    return hit;
  }
}
