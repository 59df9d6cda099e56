import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { openApiDocument } from '../../api/app';
import { memoryLogger } from '../../api/logger';
import { committedOpenApiText } from '../../api/openapi-document';
import { ApiEnv, TOKENS } from './api-env';
import { ApiTestClient } from './support';

// Exercises: api/health/router.ts, api/docs-page.ts, api/error-handler.ts, api/middleware/request-log.ts, api/common-schemas.ts, api/decision/schemas.ts (run through the API in-process, so no import names them; the schemas by generating docs/openapi.json)

// Bearer auth (rotation, clear 401s, tokens never logged), request ids, the probes, and the
// OpenAPI document (served, complete, and the committed copy up to date).

const env = new ApiEnv();
beforeAll(() => env.start());
afterAll(() => env.close());

describe('bearer authentication on /api', () => {
  const routes: [string, string][] = [
    ['GET', '/api/jobs'],
    ['POST', '/api/jobs'],
    ['GET', '/api/jobs/65f1c0ffee0123456789abcd'],
    ['GET', '/api/jobs/65f1c0ffee0123456789abcd/progress'],
    ['GET', '/api/jobs/65f1c0ffee0123456789abcd/report'],
    ['POST', '/api/jobs/65f1c0ffee0123456789abcd/cancel'],
    ['DELETE', '/api/jobs/65f1c0ffee0123456789abcd'],
    ['GET', '/api/schedules'],
    ['POST', '/api/schedules'],
    ['GET', '/api/schedules/s1'],
    ['DELETE', '/api/schedules/s1'],
    ['PATCH', '/api/schedules/s1'],
    ['POST', '/api/schedules/s1/pause'],
    ['POST', '/api/schedules/s1/unpause'],
    ['POST', '/api/schedules/s1/trigger'],
    ['GET', '/api/workloads'],
    ['GET', '/api/workloads/customer_support/history'],
    ['GET', '/api/configs'],
    ['GET', '/api/gpus'],
  ];

  test('every /api operation in the document is covered here and requires the bearer scheme', () => {
    const doc = openApiDocument(env.app);
    const documented = Object.entries(doc.paths ?? {}).flatMap(([p, item]) =>
      Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const apiOps = documented.filter((op) => op.includes(' /api'));
    expect(apiOps).toHaveLength(routes.length);
    for (const [p, item] of Object.entries(doc.paths ?? {})) {
      for (const op of Object.values(item as Record<string, { security?: unknown }>)) {
        expect(op.security).toEqual(p.startsWith('/api') ? [{ bearerAuth: [] }] : undefined);
      }
    }
  });

  test.each(routes)('%s %s without a token is a 401 with a clear body', async (method, route) => {
    const res = await env.api.call(method, route, { token: null });
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/Authorization: Bearer <token>/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('a wrong token and a malformed header are 401s too', async () => {
    expect(await env.api.call('GET', '/api/jobs', { token: 'wrong-token' })).toMatchObject({
      status: 401,
      body: { detail: 'Invalid bearer token' },
    });
    const res = await env.api.call('GET', '/api/jobs', { token: null, headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/malformed/);
  });

  test('every configured token is accepted, so a token can be rotated', async () => {
    for (const token of TOKENS) expect((await env.api.call('GET', '/api/jobs', { token })).status).toBe(200);
  });

  test('tokens never reach the logs, while each request is logged with its request id', async () => {
    const res = await env.api.call('GET', '/api/jobs', { token: 'leaked-candidate-secret' });
    await env.api.call('GET', '/api/jobs');
    const log = env.logger.lines.join('\n');
    for (const secret of [...TOKENS, 'leaked-candidate-secret']) expect(log).not.toContain(secret);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.logger.lines.map((l) => JSON.parse(l)).find((l) => l.request_id === id)).toMatchObject({
      method: 'GET',
      path: '/api/jobs',
      status: 401,
    });
  });

  test('a caller-provided X-Request-Id is kept', async () => {
    const res = await env.api.call('GET', '/api/jobs', { headers: { 'X-Request-Id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
  });

  test('open mode serves without a token and says so loudly in the log', async () => {
    const logger = memoryLogger();
    const open = new ApiTestClient(env.build({ tokens: 'open', logger }), 'ignored');
    expect((await open.call('GET', '/api/jobs', { token: null })).status).toBe(200);
    expect(logger.lines.join('\n')).toMatch(/AUTHENTICATION DISABLED/);
  });

  test('an app with no tokens refuses to start', () => {
    expect(() => env.build({ tokens: [' ', ''] })).toThrow(/FLYWHEEL_API_TOKENS/);
  });
});

describe('probes', () => {
  test('/health answers without a token', async () => {
    expect(await env.api.call('GET', '/health', { token: null })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  test('/ready checks Temporal, MongoDB and Elasticsearch', async () => {
    const res = await env.api.call('GET', '/ready', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ready',
      checks: { temporal: { ok: true }, mongodb: { ok: true }, elasticsearch: { ok: true } },
    });
  });

  test('/ready is a 503 naming the dependency that is down', async () => {
    const deadEs = new ElasticsearchClient({ node: 'http://127.0.0.1:1', maxRetries: 0 });
    const app = env.build({ elasticsearch: deadEs, readinessTimeoutMs: 1500 });
    const client = new ApiTestClient(app, TOKENS[0] as string);
    const res = await client.call('GET', '/ready', { token: null });
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('not-ready');
    // a fixed reason only: the probe needs no token, so no address or driver text is served
    expect(res.body.checks.elasticsearch).toEqual({ ok: false, latency_ms: expect.any(Number), error: 'unavailable' });
    expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
    expect(env.logger.lines.some((l) => l.includes('readiness check failed') && l.includes('elasticsearch'))).toBe(
      true,
    );
    expect(res.body.checks.temporal.ok).toBe(true);
    // and a route that needs the dead dependency answers 503, not 500
    expect((await client.call('GET', '/api/workloads')).status).toBe(503);
    await deadEs.close();
  });
});

describe('OpenAPI', () => {
  test('the committed docs/openapi.json is what the code generates (run scripts/gen-openapi.ts)', () => {
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(committedOpenApiText()));
  });

  test('/openapi.json serves the document and /docs an interactive page over it', async () => {
    const doc = await env.app.request('/openapi.json');
    expect(doc.status).toBe(200);
    const served = (await doc.json()) as ReturnType<typeof openApiDocument>;
    expect(served.openapi).toBe('3.1.0');
    expect(served.components?.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer' } });
    expect(Object.keys(served.paths ?? {})).toEqual(expect.arrayContaining(['/api/jobs', '/api/jobs/{job_id}/cancel']));
    const page = await env.app.request('/docs');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<script src="/docs/init.js"></script>');
    const init = await (await env.app.request('/docs/init.js')).text();
    expect(init).toContain('url: "/openapi.json"');
    // a token typed into "Authorize" is never written to localStorage
    expect(init).toContain('persistAuthorization: false');
    // no inline script, so a CSP without 'unsafe-inline' scripts holds
    expect(html).not.toMatch(/<script>/);
    for (const file of ['', '/init.js', '/swagger-ui-bundle.js']) {
      const res = await env.app.request(`/docs${file}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // served by the API itself: the page must work without internet access
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await env.app.request('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('SwaggerUIBundle');
    const css = await env.app.request('/docs/swagger-ui.css');
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  test('unknown paths are a 404 in the same error shape', async () => {
    const res = await env.app.request('/api/nothing-here', { headers: { authorization: `Bearer ${TOKENS[0]}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
  });
});
