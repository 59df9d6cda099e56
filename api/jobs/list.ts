import type { ResultsStore } from '../../stores/results/results-store';
import { InvalidCursorError } from '../../stores/results/run-listing';
import { unprocessable } from '../errors';
import { scopeFilter } from '../middleware/authorize';
import type { Principal } from '../middleware/roles';
import type { DetailFeed } from './detail-feed';
import { etagOfText } from './etag';
import { type CachedPage, ListCache } from './list-cache';
import { DEFAULT_JOBS_PAGE_SIZE, type JobsListQuery } from './schemas';
import { listItem } from './view';

// GET /api/jobs: the store's filtered, cursor-paged listing in the Blueprint's shape. Only the
// token's clients are listed; without `limit` a page holds DEFAULT_JOBS_PAGE_SIZE jobs (a
// Blueprint client reads `jobs` and ignores `next_cursor`).

export async function listJobs(results: ResultsStore, query: JobsListQuery, principal: Principal) {
  const clients = scopeFilter(principal, query.client_id);
  if (clients?.length === 0) return { jobs: [], next_cursor: null };
  try {
    const page = await results.listRuns({
      workload_id: query.workload_id,
      ...(clients ? { client_ids: clients } : {}),
      status: query.status,
      descending: query.sort === '-started_at',
      limit: query.limit ?? DEFAULT_JOBS_PAGE_SIZE,
      cursor: query.cursor,
    });
    return { jobs: page.runs.map(listItem), next_cursor: page.nextCursor };
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    throw unprocessable([{ loc: ['query', 'cursor'], msg: err.message, type: 'value_error' }]);
  }
}

/**
 * The page as JSON with its ETag: from this process's page cache while the change feed is
 * current (list-cache.ts), else from the store, kept for the next caller with the same key. The
 * key is the caller's client scope (the clients its token may see, '*' for all) and the query.
 */
export async function listJobsPage(
  deps: { results: ResultsStore; listCache: ListCache; detailFeed: DetailFeed },
  query: JobsListQuery,
  principal: Principal,
): Promise<CachedPage> {
  const { listCache: cache, detailFeed: feed } = deps;
  const scope = principal.clientIds === '*' ? null : [...principal.clientIds];
  const key = ListCache.key(scope, { ...query, limit: query.limit ?? DEFAULT_JOBS_PAGE_SIZE });
  if (cache.maxBytes > 0 && (await feed.servableSoon())) {
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const from = cache.readStart(feed.applied);
  const body = JSON.stringify(await listJobs(deps.results, query, principal));
  const page = { body, etag: etagOfText(body) };
  cache.set(key, page, from);
  return page;
}
