import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { conflict, notFound } from '../http/errors';
import { applyFilters, PageQuerySchema, page } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { type EntityDataset, key, now } from '../state/store';

// Entity Store: namespaces, dataset registrations and model entities. `GET /v1/models` is
// shared with the NIM proxy on this port and is routed in nim.ts.

const name = z.string().min(1).max(255);

const NamespaceBody = z.object({ id: name }).loose();

const DatasetBody = z
  .object({
    name,
    namespace: name,
    description: z.string().default(''),
    files_url: z.string().regex(/^hf:\/\/datasets\/[^/]+\/[^/]+/, 'must be hf://datasets/{namespace}/{name}'),
    project: z.string().optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const DatasetPatch = z
  .object({
    description: z.string().optional(),
    files_url: DatasetBody.shape.files_url.optional(),
    project: z.string().optional(),
  })
  .loose();

export function entityStoreRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.post('/v1/namespaces', async (c) => {
    const body = await jsonBody(c, NamespaceBody);
    if (ctx.state.namespaces.has(body.id)) throw conflict(`Namespace ${body.id}`);
    const at = now();
    const ns = { id: body.id, created_at: at, updated_at: at };
    ctx.state.namespaces.set(body.id, ns);
    return c.json(ns, 201);
  });

  app.get('/v1/namespaces', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const items = applyFilters([...ctx.state.namespaces.values()], query, { id: (n) => n.id });
    return c.json(page(items, query));
  });

  app.get('/v1/namespaces/:id', (c) => {
    const ns = ctx.state.namespaces.get(c.req.param('id'));
    if (!ns) throw notFound(`Namespace ${c.req.param('id')}`);
    return c.json(ns);
  });

  app.post('/v1/datasets', async (c) => {
    const body = await jsonBody(c, DatasetBody);
    const id = key(body.namespace, body.name);
    if (ctx.state.datasets.has(id)) throw conflict(`Dataset ${id}`);
    const at = now();
    const dataset: EntityDataset = {
      id: ctx.ids.id('dataset'),
      name: body.name,
      namespace: body.namespace,
      description: body.description,
      files_url: body.files_url,
      ...(body.project ? { project: body.project } : {}),
      created_at: at,
      updated_at: at,
    };
    ctx.state.datasets.set(id, dataset);
    return c.json(dataset, 201);
  });

  app.get('/v1/datasets', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const items = applyFilters([...ctx.state.datasets.values()], query, {
      namespace: (d) => d.namespace,
      project: (d) => d.project,
    });
    return c.json(page(items, query));
  });

  app.get('/v1/datasets/:ns/:name', (c) => c.json(dataset(ctx, c.req.param('ns'), c.req.param('name'))));

  app.patch('/v1/datasets/:ns/:name', async (c) => {
    const existing = dataset(ctx, c.req.param('ns'), c.req.param('name'));
    const body = await jsonBody(c, DatasetPatch);
    if (body.description !== undefined) existing.description = body.description;
    if (body.files_url !== undefined) existing.files_url = body.files_url;
    if (body.project !== undefined) existing.project = body.project;
    existing.updated_at = now();
    return c.json(existing);
  });

  app.delete('/v1/datasets/:ns/:name', (c) => {
    const found = dataset(ctx, c.req.param('ns'), c.req.param('name'));
    ctx.state.datasets.delete(key(found.namespace, found.name));
    return c.json({ id: found.id, message: `Dataset ${found.namespace}/${found.name} deleted` });
  });

  app.get('/v1/models/:ns/:name', (c) => {
    const id = key(c.req.param('ns'), c.req.param('name'));
    const model = ctx.state.models.get(id);
    if (!model) throw notFound(`Model ${id}`);
    return c.json(model);
  });

  app.delete('/v1/models/:ns/:name', (c) => {
    const id = key(c.req.param('ns'), c.req.param('name'));
    if (!ctx.state.models.delete(id)) throw notFound(`Model ${id}`);
    return c.json({ id, message: `Model ${id} deleted` });
  });

  return app;
}

/** Entity Store's model list (the NIM proxy's list lives on the same path; see nim.ts). */
export function entityModelList(ctx: EmulatorContext, query: z.infer<typeof PageQuerySchema>) {
  const models = applyFilters([...ctx.state.models.values()], query, {
    namespace: (m) => m.namespace,
    base_model: (m) => m.base_model,
    project: () => undefined,
  });
  return page(models, query);
}

function dataset(ctx: EmulatorContext, ns: string, name: string): EntityDataset {
  const found = ctx.state.datasets.get(key(ns, name));
  if (!found) throw notFound(`Dataset ${key(ns, name)}`);
  return found;
}
