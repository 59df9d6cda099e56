import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ResultsStore } from '../../stores/results/results-store';
import { bearerSecurity, json, pick } from '../common-schemas';
import { principalOf, scopeFilter } from '../middleware/authorize';
import { validationHook } from '../validation';
import { workloadHistory } from './history';
import { HistoryQuery, WorkloadHistoryResponse, WorkloadIdParam } from './history-schemas';

// GET /api/workloads: which (client_id, workload_id) pairs have logs, how many records and when
// the last one arrived, so an operator knows what a job can be created for.

const Workload = z
  .object({
    client_id: z.string(),
    workload_id: z.string(),
    num_records: z.number().int().nonnegative(),
    last_seen: z.string().nullable().openapi({ description: 'Newest record timestamp, ISO-8601 UTC' }),
  })
  .openapi('Workload');

const WorkloadsQuery = z.object({
  client_id: z.string().min(1).optional().openapi({ description: 'Only this client' }),
});

const WorkloadsResponse = z.object({ workloads: z.array(Workload) }).openapi('WorkloadsResponse');

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['workloads'],
  summary: 'Workloads with logs in Elasticsearch, with record counts and last-seen time',
  security: bearerSecurity,
  request: { query: WorkloadsQuery },
  responses: { 200: json(WorkloadsResponse, 'Workloads'), ...pick(401, 403, 429, 422, 503) },
});

const history = createRoute({
  method: 'get',
  path: '/{workload_id}/history',
  tags: ['workloads'],
  summary: "A workload's runs, oldest first: every candidate's scores with intervals and each run's recommendation",
  security: bearerSecurity,
  request: { params: WorkloadIdParam, query: HistoryQuery },
  responses: { 200: json(WorkloadHistoryResponse, 'The history'), ...pick(401, 403, 429, 422) },
});

type WorkloadRow = z.infer<typeof Workload>;
const PAGE = 500;
const MAX_PAIRS = 10_000;

/** Workloads of the given clients (undefined: every client). */
export async function listWorkloads(
  es: ElasticsearchClient,
  index: string,
  clientIds?: string[],
): Promise<WorkloadRow[]> {
  const rows: WorkloadRow[] = [];
  if (clientIds?.length === 0) return rows;
  let after: Record<string, string> | undefined;
  do {
    const res = await es.search(
      {
        index,
        size: 0,
        ...(clientIds ? { query: { terms: { client_id: clientIds } } } : {}),
        aggs: {
          pairs: {
            composite: {
              size: PAGE,
              sources: [
                { client_id: { terms: { field: 'client_id' } } },
                { workload_id: { terms: { field: 'workload_id' } } },
              ],
              ...(after ? { after } : {}),
            },
            aggs: { last_seen: { max: { field: 'timestamp' } } },
          },
        },
      },
      { ignore: [404] },
    );
    const agg = (res.aggregations?.pairs ?? { buckets: [] }) as {
      buckets: { key: Record<string, string>; doc_count: number; last_seen: { value: number | null } }[];
      after_key?: Record<string, string>;
    };
    for (const b of agg.buckets) {
      rows.push({
        client_id: String(b.key.client_id),
        workload_id: String(b.key.workload_id),
        num_records: b.doc_count,
        last_seen: b.last_seen.value === null ? null : new Date(b.last_seen.value).toISOString(),
      });
    }
    after = agg.buckets.length === PAGE ? agg.after_key : undefined;
  } while (after && rows.length < MAX_PAIRS);
  return rows;
}

export function workloadsRouter(deps: { elasticsearch: ElasticsearchClient; logIndex: string; results: ResultsStore }) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(route, async (c) => {
      const clients = scopeFilter(principalOf(c), c.req.valid('query').client_id);
      const workloads = await listWorkloads(deps.elasticsearch, deps.logIndex, clients);
      return c.json({ workloads }, 200);
    })
    .openapi(history, async (c) => {
      const { workload_id } = c.req.valid('param');
      const { client_id, limit } = c.req.valid('query');
      const clientIds = scopeFilter(principalOf(c), client_id);
      const runs = await workloadHistory(deps.results, workload_id, {
        ...(clientIds ? { clientIds } : {}),
        ...(limit ? { limit } : {}),
      });
      return c.json({ workload_id, runs }, 200);
    });
}
