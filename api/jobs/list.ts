import type { ResultsStore } from '../../stores/results/results-store';
import { InvalidCursorError } from '../../stores/results/run-listing';
import { unprocessable } from '../errors';
import type { JobsListQuery } from './schemas';
import { listItem } from './view';

// GET /api/jobs: the store's filtered, cursor-paged listing in the Blueprint's shape.

export async function listJobs(results: ResultsStore, query: JobsListQuery) {
  try {
    const page = await results.listRuns({
      workload_id: query.workload_id,
      client_id: query.client_id,
      status: query.status,
      descending: query.sort === '-started_at',
      limit: query.limit,
      cursor: query.cursor,
    });
    return { jobs: page.runs.map(listItem), next_cursor: page.nextCursor };
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    throw unprocessable([{ loc: ['query', 'cursor'], msg: err.message, type: 'value_error' }]);
  }
}
