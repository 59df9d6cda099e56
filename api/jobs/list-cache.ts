import type { ChangePosition } from './detail-cache';

// Rendered pages of GET /api/jobs, kept in this API process: a page is served from memory while
// the store's change log (stores/results/detail-changes.ts, read by detail-feed.ts) is current,
// the same bound as finished details (docs/operations.md, "Job list pages").
//
// Every write that can change what a page shows (a run created, deleted or discarded, a change
// of a listed field: status, finish, error, datasets...; stores/results/run-listing.ts,
// LISTED_FIELDS) is announced in that log after it is made, and any change the feed reads drops
// every page: which pages a run belongs to depends on filters, scopes and cursors, and pages are
// cheap to fill again. A page filled from a store read is kept only if no change was read after
// that read began (`set`), and a create through this process drops every page at once
// (`invalidate`), so the caller who made it sees it in the next listing. The key holds the
// caller's client scope, so two tokens of different clients never share a page.

export const DEFAULT_LIST_CACHE_BYTES = 8 * 1024 * 1024;

export interface CachedPage {
  /** The JSON body, serialised once. */
  body: string;
  etag: string;
}

/** Where a store read of a page began: the change log position and this process's own invalidations. */
export interface PageReadStart {
  position: ChangePosition | null;
  epoch: number;
}

/** Pages by key (filters, scope, cursor, limit, order), least recently used evicted first, bounded by body size. */
export class ListCache {
  private readonly entries = new Map<string, CachedPage>();
  private bytes = 0;
  /** Reads begun before this change log position may predate a change: not kept. */
  private floor: ChangePosition = 0;
  /** Bumped by every local invalidation: reads begun before it are not kept. */
  private epoch = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The page's key: its scope (null: every client) and every query parameter that shapes it. */
  static key(scope: readonly string[] | null, query: Record<string, unknown>): string {
    const params = Object.keys(query)
      .filter((k) => query[k] !== undefined)
      .sort()
      .map((k) => [k, query[k]]);
    return JSON.stringify([scope === null ? null : [...scope].sort(), params]);
  }

  /** Where a store read beginning now stands, for `set`. */
  readStart(position: ChangePosition | null): PageReadStart {
    return { position, epoch: this.epoch };
  }

  get(key: string): CachedPage | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, hit);
    return hit;
  }

  /** Keeps a page read from the store, unless a change was applied (or made here) after its read began. */
  set(key: string, page: CachedPage, from: PageReadStart): void {
    this.drop(key);
    if (this.maxBytes <= 0 || from.position === null || from.position < this.floor || from.epoch !== this.epoch) return;
    if (page.body.length > this.maxBytes) return;
    this.entries.set(key, page);
    this.bytes += page.body.length;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  /** The change log's changes, as read by the feed: any of them may move a run into or out of a page. */
  applyChanges(changes: { n: ChangePosition }[]): void {
    if (changes.length === 0) return;
    this.clear(Math.max(...changes.map((c) => c.n)));
  }

  /** Drops every page; reads begun before `position` are not kept. */
  clear(position: ChangePosition): void {
    this.entries.clear();
    this.bytes = 0;
    this.floor = Math.max(this.floor, position);
  }

  /** A write made through this process: every page drops now, and reads already under way are not kept. */
  invalidate(): void {
    this.entries.clear();
    this.bytes = 0;
    this.epoch += 1;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.bytes -= e.body.length;
    this.entries.delete(key);
  }
}
