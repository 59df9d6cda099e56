import type { FlywheelRunDoc } from '../../stores/results/schema';

// Rendered details of finished jobs, kept in this process. A finished job's detail changes only
// through writes that bump its run document's detail_revision (or reopen it, a new finished_at),
// and the API reads the run document on every request anyway (to authorize the caller), so an
// entry is looked up under the run's id and (finished_at, detail_revision) and is never stale: a
// write through any replica changes the key every replica reads next, a deleted job has no run
// document and answers 404 before the cache is asked. What the cache saves is the snapshot read
// and the rendering, serialising and hashing of the body.

export const DEFAULT_DETAIL_CACHE_BYTES = 64 * 1024 * 1024;

export interface CachedDetail {
  /** The JSON body, serialised once. */
  body: string;
  etag: string;
}

/** The version of a finished run's detail; null for a run that has not finished (never cached). */
export function detailVersion(run: Pick<FlywheelRunDoc, 'finished_at' | 'detail_revision'>): string | null {
  if (!run.finished_at) return null;
  return `${run.finished_at.getTime()}:${run.detail_revision ?? 0}`;
}

/** One detail per job, least recently used evicted first, bounded by the total size of the bodies. */
export class DetailCache {
  private readonly entries = new Map<string, CachedDetail & { version: string }>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The job's cached detail if it is of this version. */
  get(jobId: string, version: string): CachedDetail | undefined {
    const hit = this.entries.get(jobId);
    if (!hit || hit.version !== version) return undefined;
    // most recently used last
    this.entries.delete(jobId);
    this.entries.set(jobId, hit);
    return hit;
  }

  /** Keeps the job's detail of this version, replacing any other version of it. */
  set(jobId: string, version: string, value: CachedDetail): void {
    this.evict(jobId);
    if (value.body.length > this.maxBytes) return;
    this.entries.set(jobId, { ...value, version });
    this.bytes += value.body.length;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.evict(oldest);
    }
  }

  private evict(jobId: string): void {
    const e = this.entries.get(jobId);
    if (!e) return;
    this.bytes -= e.body.length;
    this.entries.delete(jobId);
  }
}
