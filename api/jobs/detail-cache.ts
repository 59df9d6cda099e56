import type { FlywheelRunDoc } from '../../stores/results/schema';

// Rendered details of finished jobs, kept in this API process. A finished job's detail changes
// only through writes that bump its run document's detail_revision (or reopen it: a new
// finished_at), so an entry is kept under the run's (finished_at, detail_revision), its version.
//
// Consistency: an entry is served without reading the store for `revalidateMs` after the store
// last confirmed its version; after that the next request reads the run document again (one
// `_id` read, which also authorizes the caller against the stored client) and either confirms
// the entry or renders the new version. So a write made elsewhere (the worker's teardown
// records, another API replica, the deletion workflow removing the job) is visible on every
// replica within `revalidateMs`; a DELETE through this replica drops its entry at once. With
// revalidateMs = 0 every request reads the run document and nothing is ever stale. What the
// cache saves: the store reads (run, snapshot), and rendering, serialising and hashing the body.

export const DEFAULT_DETAIL_CACHE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_DETAIL_REVALIDATE_MS = 1000;

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

/** One detail per job, least recently used evicted first, bounded by the total size of the bodies. */
export class DetailCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

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

  /** Keeps the job's detail of this version, replacing any other version of it. */
  set(jobId: string, version: string, value: CachedDetail): void {
    this.delete(jobId);
    if (value.body.length > this.maxBytes) return;
    this.entries.set(jobId, { ...value, version, checkedAt: this.now() });
    this.bytes += value.body.length;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
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
