import { Hono } from 'hono';
import { routeTemplate, templateOf } from '../../../nemo-emulator/http/route-template';

// Route templates as the emulator counts requests and applies fault rules: Hono's `:param` (and
// `:param{regex}`) written the contract's way, `{param}`; a request only a catch-all matched
// keeps its own path.

test('parameters, with or without a pattern, become {name}', () => {
  expect(templateOf('/v1/jobs/:id')).toBe('/v1/jobs/{id}');
  expect(templateOf('/v1/datasets/:namespace/:name/files/:path{.+}')).toBe(
    '/v1/datasets/{namespace}/{name}/files/{path}',
  );
  expect(templateOf('/v1/models')).toBe('/v1/models');
});

describe('the template a request matched, read in a middleware before its handler', () => {
  const seen: string[] = [];
  const app = new Hono();
  app.use('*', async (c, next) => {
    seen.push(`${c.req.method} ${routeTemplate(c)}`);
    await next();
  });
  app.get('/v1/customization/jobs/:id', (c) => c.text('job'));
  app.get('/v1/hf/:ns/:repo/resolve/main/:path{.+}', (c) => c.text('file'));
  app.get('/health', (c) => c.text('ok'));

  beforeEach(() => {
    seen.length = 0;
  });

  test('a parameterised route reports its template, not the concrete path', async () => {
    await app.request('/v1/customization/jobs/cust-123');
    await app.request('/v1/hf/default/my-set/resolve/main/train/part-0.jsonl');
    expect(seen).toEqual(['GET /v1/customization/jobs/{id}', 'GET /v1/hf/{ns}/{repo}/resolve/main/{path}']);
  });

  test('a static route reports itself', async () => {
    await app.request('/health');
    expect(seen).toEqual(['GET /health']);
  });

  test('a request no route matches reports its own path', async () => {
    const res = await app.request('/v2/unknown/thing', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(seen).toEqual(['POST /v2/unknown/thing']);
  });
});
