import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bearerSecurity, json, pick } from '../common-schemas';
import { notFound } from '../errors';
import { inScope, principalOf, requireAction } from '../middleware/authorize';
import { validationHook } from '../validation';
import { type DetailCache, detailVersion } from './detail-cache';
import type { DetailFeed } from './detail-feed';
import { etagOfText, matchesIfNoneMatch } from './etag';
import { listJobsPage } from './list';
import type { ListCache } from './list-cache';
import { JobProgressResponse, jobProgress } from './progress';
import { reconcileRun } from './reconcile';
import {
  IdempotencyHeaders,
  IfNoneMatchHeader,
  JobCancelResponse,
  JobDeleteResponse,
  JobDetailResponse,
  JobIdParam,
  JobRequest,
  JobResponse,
  JobsListQuery,
  JobsListResponse,
} from './schemas';
import { assertJobId, authorizedRun, cancelJob, createJob, deleteJob } from './service';
import { jobDetail, type WebUi } from './view';

type Deps = Parameters<typeof createJob>[0] & {
  queryTimeoutMs: number;
  webUi: WebUi;
  stallWarningMs: number;
  detailCache: DetailCache;
  detailFeed: DetailFeed;
  listCache: ListCache;
};
const tags = ['jobs'];

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a job: start a flywheel run for a workload',
  security: bearerSecurity,
  request: {
    headers: IdempotencyHeaders,
    body: { content: { 'application/json': { schema: JobRequest } }, required: true },
  },
  responses: {
    200: json(JobResponse, 'The run was created and its workflow started'),
    ...pick(401, 403, 429, 409, 413, 415, 422, 503),
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List jobs (filters, sorting and cursor pagination are additions)',
  security: bearerSecurity,
  request: { query: JobsListQuery, headers: IfNoneMatchHeader },
  responses: {
    200: {
      ...json(JobsListResponse, 'Jobs'),
      headers: z.object({ ETag: z.string().openapi({ description: 'Added: the tag of this page' }) }),
    },
    304: { description: 'Added: the page is unchanged since the ETag given in If-None-Match' },
    ...pick(401, 403, 429, 422),
  },
});

const get = createRoute({
  method: 'get',
  path: '/{job_id}',
  tags,
  summary: 'A job with its candidates, evaluations and customizations',
  security: bearerSecurity,
  request: { params: JobIdParam, headers: IfNoneMatchHeader },
  responses: {
    200: {
      ...json(JobDetailResponse, 'The job; a finished one carries an ETag'),
      headers: z.object({ ETag: z.string().optional().openapi({ description: 'Added: set once the job finished' }) }),
    },
    304: { description: 'Added: the finished job is unchanged since the ETag given in If-None-Match' },
    ...pick(400, 401, 403, 429, 404),
  },
});

const progress = createRoute({
  method: 'get',
  path: '/{job_id}/progress',
  tags,
  summary: 'Added: live progress of a running job: its stored state and its pending Temporal activities',
  security: bearerSecurity,
  request: { params: JobIdParam },
  responses: { 200: json(JobProgressResponse, 'Live progress'), ...pick(400, 401, 403, 429, 404, 409, 503) },
});

const cancel = createRoute({
  method: 'post',
  path: '/{job_id}/cancel',
  tags,
  summary: 'Cancel a job: stop its steps, tear its deployments down, keep finished results',
  security: bearerSecurity,
  request: { params: JobIdParam },
  responses: { 200: json(JobCancelResponse, 'Cancellation initiated'), ...pick(400, 401, 403, 429, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{job_id}',
  tags,
  summary: 'Delete a finished job, its NeMo artifacts and its documents (in the background)',
  security: bearerSecurity,
  request: { params: JobIdParam },
  responses: { 200: json(JobDeleteResponse, 'Deletion started'), ...pick(400, 401, 403, 429, 404) },
});

export function jobsRouter(deps: Deps) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const created = await createJob(
        deps,
        c.req.valid('json'),
        principalOf(c),
        c.req.valid('header')['idempotency-key'],
      );
      deps.listCache.invalidate(); // the caller's next listing shows its job
      return c.json(created, 200);
    })
    .openapi(list, async (c) => {
      const page = await listJobsPage(deps, c.req.valid('query'), principalOf(c));
      c.header('ETag', page.etag);
      if (matchesIfNoneMatch(c.req.valid('header')['if-none-match'], page.etag)) return c.body(null, 304);
      c.header('Content-Type', 'application/json');
      return c.body(page.body, 200);
    })
    .openapi(get, async (c) => {
      const jobId = c.req.valid('param').job_id;
      const principal = principalOf(c);
      assertJobId(jobId);
      requireAction(principal, 'read');
      // A finished job's rendered detail, from this process's cache while its change feed is
      // current (detail-feed.ts says how fresh); the same 404 as below for a job of a client
      // outside the token's scope.
      const { detailCache: cache, detailFeed: feed } = deps;
      let cached = (await feed.servableSoon()) ? cache.recent(jobId) : undefined;
      if (cached && !inScope(principal, cached.clientId)) throw notFound('Job not found');
      if (!cached) {
        const readFrom = feed.applied;
        const run = await authorizedRun(deps.results, jobId, principal, 'read').catch((err) => {
          cache.delete(jobId);
          throw err;
        });
        const current = await reconcileRun(deps, run);
        const version = detailVersion(current);
        if (!version) return c.json(await jobDetail(deps.results, current, deps.webUi), 200);
        cached = cache.get(current._id, version);
        if (!cached) {
          const body = JSON.stringify(await jobDetail(deps.results, current, deps.webUi));
          cached = { body, etag: etagOfText(body), clientId: current.client_id };
          cache.set(current._id, version, cached, readFrom);
        }
      }
      c.header('ETag', cached.etag);
      if (matchesIfNoneMatch(c.req.valid('header')['if-none-match'], cached.etag)) return c.body(null, 304);
      c.header('Content-Type', 'application/json');
      return c.body(cached.body, 200);
    })
    .openapi(progress, async (c) => c.json(await jobProgress(deps, c.req.valid('param').job_id, principalOf(c)), 200))
    .openapi(cancel, async (c) => c.json(await cancelJob(deps, c.req.valid('param').job_id, principalOf(c)), 200))
    .openapi(remove, async (c) => {
      const jobId = c.req.valid('param').job_id;
      const started = await deleteJob(deps, jobId, principalOf(c));
      deps.detailCache.delete(jobId);
      return c.json(started, 200);
    });
}
