import { gunzipSync, inflateSync } from 'node:zlib';
import { type Client, errors, type estypes } from '@elastic/elasticsearch';
import type { PageCursor } from './search-page';

// One workload's logs, newest first, read with a point-in-time and search_after so it goes past
// the 10,000-hit search window and sees a consistent snapshot while new logs keep arriving.
// The next page is requested as soon as the current one arrives, so reading overlaps with
// whatever the caller does with the page.

export interface ExportOptions {
  elasticsearch: Client;
  index: string;
  workloadId: string;
  clientId: string;
  /** At most this many records. */
  limit: number;
  pageSize?: number;
  keepAlive?: string;
}

/**
 * The Elasticsearch document id of an exported record, kept on it as a non-enumerable symbol
 * property: JSON, spreads and validation never see it, but a record rejected later can still be
 * named, so someone can find it (GET <index>/_doc/<id>).
 */
export const DOCUMENT_ID: unique symbol = Symbol('documentId');

export function documentIdOf(record: unknown): string | undefined {
  return record !== null && typeof record === 'object'
    ? ((record as { [DOCUMENT_ID]?: string })[DOCUMENT_ID] ?? undefined)
    : undefined;
}

const withId = (hit: { _id?: string | null; _source?: unknown }) => {
  const source = hit._source;
  if (source && typeof source === 'object' && hit._id) {
    Object.defineProperty(source, DOCUMENT_ID, { value: hit._id, enumerable: false });
  }
  return source;
};

const isIndexMissing = (err: unknown) =>
  (err as { body?: { error?: { type?: string } } }).body?.error?.type === 'index_not_found_exception';

const pageSizeOf = (options: ExportOptions) => Math.max(1, Math.min(options.pageSize ?? 2000, 10_000));
const keepAliveOf = (options: ExportOptions) => options.keepAlive ?? '2m';

/** A point in time on the index, or undefined when nothing is to be read (no index, limit 0). */
async function openPointInTime(options: ExportOptions): Promise<string | undefined> {
  if (options.limit <= 0) return undefined;
  try {
    return (await options.elasticsearch.openPointInTime({ index: options.index, keep_alive: keepAliveOf(options) })).id;
  } catch (err) {
    if (isIndexMissing(err)) return undefined;
    throw err;
  }
}

/** One page's search: the workload's logs in the point in time, newest first, after `after`. */
function pageRequest(
  options: ExportOptions,
  pitId: string,
  size: number,
  after: estypes.SortResults | undefined,
): estypes.SearchRequest {
  return {
    pit: { id: pitId, keep_alive: keepAliveOf(options) },
    query: {
      bool: {
        filter: [{ term: { client_id: options.clientId } }, { term: { workload_id: options.workloadId } }],
      },
    },
    // the point in time adds its own _shard_doc tie-breaker, which search_after needs
    sort: [{ timestamp: { order: 'desc', unmapped_type: 'date' } }],
    size,
    track_total_hits: false,
    // only what is read: less JSON to parse per page
    filter_path: ['pit_id', 'hits.hits._id', 'hits.hits._source', 'hits.hits.sort'],
    ...(after ? { search_after: after } : {}),
  };
}

/** Pages of raw `_source` records; an index that does not exist yields nothing. */
export async function* exportLogPages(options: ExportOptions): AsyncGenerator<unknown[]> {
  const opened = await openPointInTime(options);
  if (opened === undefined) return;
  const { elasticsearch: es, limit } = options;
  const pageSize = pageSizeOf(options);
  let pitId = opened;

  const fetchPage = (size: number, after: estypes.SortResults | undefined) =>
    es.search<Record<string, unknown>>(pageRequest(options, pitId, size, after));

  let remaining = limit;
  try {
    let next: ReturnType<typeof fetchPage> | undefined = fetchPage(Math.min(pageSize, remaining), undefined);
    while (next) {
      const res = await next;
      next = undefined;
      if (res.pit_id) pitId = res.pit_id;
      // filter_path leaves `hits` out of an empty page
      const hits = res.hits?.hits ?? [];
      const page = hits.slice(0, remaining).map(withId);
      remaining -= page.length;
      const last = hits[hits.length - 1];
      if (hits.length === Math.min(pageSize, remaining + page.length) && remaining > 0 && last?.sort) {
        next = fetchPage(Math.min(pageSize, remaining), last.sort);
        // an abandoned generator must not leave a rejected promise unobserved
        next.catch(() => undefined);
      }
      if (page.length > 0) yield page;
    }
  } finally {
    await es.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}

/**
 * The same pages as `exportLogPages`, but as the raw response bodies, unparsed: `handle`
 * parses a page wherever it likes (a record worker) and answers with its cursor, and the next
 * page is requested as soon as it does, so reading runs ahead of the processing by as many
 * pages as `handle` lets it (it holds its answer back to apply backpressure). `take` is how
 * many of the page's records are wanted (the rest are past the limit).
 */
export async function exportRawLogPages(
  options: ExportOptions,
  handle: (body: Buffer, take: number) => Promise<PageCursor>,
): Promise<void> {
  let pitId = await openPointInTime(options);
  if (pitId === undefined) return;
  const { elasticsearch: es, limit } = options;
  const pageSize = pageSizeOf(options);
  let remaining = limit;
  try {
    let after: estypes.SortResults | undefined;
    for (;;) {
      const size = Math.min(pageSize, remaining);
      const body = await rawSearch(es, pageRequest(options, pitId, size, after));
      const cursor = await handle(body, remaining);
      if (cursor.pitId) pitId = cursor.pitId;
      remaining -= Math.min(cursor.hits, remaining);
      if (cursor.hits !== size || remaining <= 0 || !cursor.lastSort) return;
      after = cursor.lastSort as estypes.SortResults;
    }
  } finally {
    await es.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}

/** Status codes the client's own transport retries (on another node) before giving up. */
const RETRIED = new Set([502, 503, 504]);
const ATTEMPTS = 4;

/** A search whose body comes back as bytes; errors are thrown as the client would throw them. */
async function rawSearch(es: Client, params: estypes.SearchRequest): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    const result = await es.search(params, { asStream: true, meta: true });
    const chunks: Buffer[] = [];
    for await (const chunk of result.body as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    let body = Buffer.concat(chunks);
    const encoding = String(result.headers?.['content-encoding'] ?? '').toLowerCase();
    if (encoding.includes('gzip')) body = gunzipSync(body);
    else if (encoding.includes('deflate')) body = inflateSync(body);
    const status = result.statusCode ?? 200;
    if (status < 300) return body;
    if (RETRIED.has(status) && attempt < ATTEMPTS) continue;
    let parsed: unknown = body.toString('utf8');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {}
    throw new errors.ResponseError({ ...result, body: parsed, warnings: result.warnings ?? null } as never);
  }
}

/** The same records one at a time. */
export async function* exportLogs(options: ExportOptions): AsyncGenerator<unknown> {
  for await (const page of exportLogPages(options)) yield* page;
}
