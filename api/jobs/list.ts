import type { Filter } from 'mongodb';
import type { ResultsStore } from '../../stores/results/results-store';
import type { FlywheelRunDoc } from '../../stores/results/schema';
import { unprocessable } from '../errors';
import type { JobsListQuery } from './schemas';
import { listItem } from './view';

// GET /api/jobs: filters, sort by (started_at, _id) and an opaque keyset cursor, so pages stay
// stable while new runs are created.

interface Cursor {
  t: number; // started_at, epoch ms
  id: string;
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(raw: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof parsed?.t === 'number' && Number.isFinite(parsed.t) && typeof parsed?.id === 'string') {
      return { t: parsed.t, id: parsed.id };
    }
  } catch {
    // reported below
  }
  throw unprocessable([
    { loc: ['query', 'cursor'], msg: 'Invalid cursor: pass next_cursor from the previous page', type: 'value_error' },
  ]);
}

export async function listJobs(results: ResultsStore, query: JobsListQuery) {
  const descending = query.sort === '-started_at';
  const filter: Filter<FlywheelRunDoc> = {};
  if (query.workload_id) filter.workload_id = query.workload_id;
  if (query.client_id) filter.client_id = query.client_id;
  if (query.status) filter.status = query.status;
  if (query.cursor) {
    const { t, id } = decodeCursor(query.cursor);
    const at = new Date(t);
    const op = descending ? '$lt' : '$gt';
    filter.$or = [{ started_at: { [op]: at } }, { started_at: at, _id: { [op]: id } }];
  }
  const direction = descending ? -1 : 1;
  let find = results.runs.find(filter).sort({ started_at: direction, _id: direction });
  if (query.limit) find = find.limit(query.limit + 1);
  const docs = await find.toArray();
  const page = query.limit ? docs.slice(0, query.limit) : docs;
  const last = page[page.length - 1];
  const more = query.limit !== undefined && docs.length > query.limit && last !== undefined;
  return {
    jobs: page.map(listItem),
    next_cursor: more ? encodeCursor({ t: last.started_at.getTime(), id: last._id }) : null,
  };
}
