import type { Filter } from 'mongodb';
import type { FlywheelRunStatus } from '../../contracts';
import type { FlywheelRunDoc } from './schema';

// Listing runs: filters, sort by (started_at, _id) and an opaque keyset cursor, so pages stay
// stable while new runs are created.

export interface RunListQuery {
  workload_id?: string;
  client_id?: string;
  /** Only runs of these clients (an API token's scope). */
  client_ids?: string[];
  status?: FlywheelRunStatus;
  /** Newest first when true; oldest first otherwise. */
  descending?: boolean;
  /** Page size; without it every matching run is returned. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface RunPage {
  runs: FlywheelRunDoc[];
  nextCursor: string | null;
}

/**
 * The run fields a listing shows, filters or sorts on: a write to any of them (or a run created
 * or deleted) changes what some page holds, so the store announces it in its change log
 * (detail-changes.ts) for the API's page cache (api/jobs/list-cache.ts).
 */
export const LISTED_FIELDS = [
  'workload_id',
  'client_id',
  'status',
  'started_at',
  'finished_at',
  'datasets',
  'error',
  'config_name',
  'schedule_id',
] as const;

/** Whether an update of these run fields changes what a listing shows. */
export const changesListing = (fields: object) => LISTED_FIELDS.some((f) => f in fields);

/** A cursor that no page of ours produced. */
export class InvalidCursorError extends Error {
  constructor() {
    super('Invalid cursor: pass next_cursor from the previous page');
    this.name = 'InvalidCursorError';
  }
}

interface Cursor {
  t: number; // started_at, epoch ms
  id: string;
}

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(raw: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof parsed?.t === 'number' && Number.isFinite(parsed.t) && typeof parsed?.id === 'string') {
      return { t: parsed.t, id: parsed.id };
    }
  } catch {
    // reported below
  }
  throw new InvalidCursorError();
}

/** The filters of a listing, without its cursor. */
export function listFilter(query: Omit<RunListQuery, 'cursor'>): Filter<FlywheelRunDoc> {
  const filter: Filter<FlywheelRunDoc> = {};
  if (query.workload_id) filter.workload_id = query.workload_id;
  if (query.client_id) filter.client_id = query.client_id;
  if (query.client_ids)
    filter.client_id = query.client_id ? { $eq: query.client_id, $in: query.client_ids } : { $in: query.client_ids };
  if (query.status) filter.status = query.status;
  return filter;
}

/**
 * The finds of one page, sorted by (started_at, _id) in the listing's direction: without a
 * cursor one; after a cursor the runs that started at the cursor's time after its id, then
 * those that started after that time. Together they are the page a single `$or` of the two
 * would give, but each is a plain comparison FerretDB on PostgreSQL answers from the
 * started_at index (scripts/ferretdb/patches/pg-sort-limit.patch), where it would read and
 * sort every run for the `$or`.
 */
export function pageFilters(query: RunListQuery): Filter<FlywheelRunDoc>[] {
  const filter = listFilter(query);
  if (!query.cursor) return [filter];
  const { t, id } = decodeCursor(query.cursor);
  const at = new Date(t);
  const op = query.descending ? '$lt' : '$gt';
  return [
    { ...filter, started_at: at, _id: { [op]: id } },
    { ...filter, started_at: { [op]: at } },
  ];
}

/** The page of `docs` (fetched with limit + 1) and the cursor of the next one. */
export function toPage(docs: FlywheelRunDoc[], limit: number | undefined): RunPage {
  const runs = limit ? docs.slice(0, limit) : docs;
  const last = runs[runs.length - 1];
  const more = limit !== undefined && docs.length > limit && last !== undefined;
  return { runs, nextCursor: more ? encodeCursor({ t: last.started_at.getTime(), id: last._id }) : null };
}
