import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { DatasetReport } from '../../pipeline/dataset-report';
import { renderReport } from '../../report/html';
import type { ResultsStore } from '../../stores/results/results-store';
import type { FlywheelRunDoc } from '../../stores/results/schema';
import { bearerSecurity, pick } from '../common-schemas';
import { decisionView } from '../decision/view';
import { JobIdParam } from '../jobs/schemas';
import { authorizedRun } from '../jobs/service';
import { principalOf } from '../middleware/authorize';
import { naiveUtc, naiveUtcOrNull } from '../time';
import { validationHook } from '../validation';
import { workloadHistory } from '../workloads/history';

// GET /api/jobs/{job_id}/report: the run's decision as one self-contained HTML page.

export interface ReportDeps {
  results: ResultsStore;
  /** Base URL of the Temporal Web UI, for the link to the run; null leaves it out. */
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

const route = createRoute({
  method: 'get',
  path: '/{job_id}/report',
  tags: ['jobs'],
  summary: 'Added: the run as a self-contained HTML report (recommendation, intervals, cost, data, history)',
  security: bearerSecurity,
  request: { params: JobIdParam },
  responses: {
    200: { content: { 'text/html': { schema: z.string() } }, description: 'The report page (no external resources)' },
    ...pick(400, 401, 403, 429, 404),
  },
});

export function temporalRunUrl(base: string | null, namespace: string, workflowId: string): string | null {
  if (!base) return null;
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export async function runReport(deps: ReportDeps, run: FlywheelRunDoc): Promise<string> {
  const history = await workloadHistory(deps.results, run.workload_id, { clientIds: [run.client_id] });
  const dataset = run.dataset_report as Partial<DatasetReport> | null;
  return renderReport({
    job: {
      id: run._id,
      workload_id: run.workload_id,
      client_id: run.client_id,
      status: run.status,
      started_at: naiveUtc(run.started_at),
      finished_at: naiveUtcOrNull(run.finished_at),
      config_name: run.config_name ?? null,
      num_records: run.num_records ?? 0,
      error: run.error ?? null,
    },
    decision: decisionView(run.decision),
    dataset: dataset
      ? {
          ...(dataset.workloadType ? { workloadType: dataset.workloadType } : {}),
          classDistribution: dataset.classDistribution ?? [],
          ...(dataset.split ? { split: dataset.split } : {}),
        }
      : null,
    history,
    temporalUrl: temporalRunUrl(deps.temporalUiUrl, deps.temporalNamespace, run.workflow_id),
  });
}

export function reportsRouter(deps: ReportDeps) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(route, async (c) => {
    const run = await authorizedRun(deps.results, c.req.valid('param').job_id, principalOf(c), 'read');
    return c.html(await runReport(deps, run), 200);
  });
}
