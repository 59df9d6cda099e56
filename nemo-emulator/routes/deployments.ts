import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { conflict, notFound } from '../http/errors';
import { applyFilters, PageQuerySchema, page } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { startDeletion, startDeployment } from '../lifecycle/deployment-lifecycle';
import { type Deployment, key, now } from '../state/store';

// Deployment Management: model deployments with a life cycle (see deployment-lifecycle.ts),
// shaped as the SDK's `ModelDeployment` (its `url` is required).

const DeploymentBody = z
  .object({
    name: z.string().min(1).max(255),
    namespace: z.string().min(1).max(255),
    config: z
      .object({
        model: z.string().min(1),
        nim_deployment: z
          .object({
            image_name: z.string().min(1),
            image_tag: z.string().min(1),
            pvc_size: z.string().optional(),
            gpu: z.number().int().min(1),
            additional_envs: z.record(z.string(), z.string()).optional(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();

export function deploymentRoutes(ctx: EmulatorContext, baseUrl: () => string): Hono {
  const app = new Hono();
  const base = '/v1/deployment/model-deployments';
  const view = (d: Deployment) => ({
    name: d.name,
    namespace: d.namespace,
    config: d.config,
    status_details: { ...d.status_details },
    // where the NIM of this deployment answers (in a cluster: its service URL)
    url: `${baseUrl()}/v1`,
    deployed: d.status_details.status === 'ready' && !d.deleting,
    models: [d.config.model],
    async_enabled: false,
    created_at: d.created_at,
    updated_at: d.updated_at,
  });

  app.post(base, async (c) => {
    const body = await jsonBody(c, DeploymentBody);
    const id = key(body.namespace, body.name);
    if (ctx.state.deployments.has(id)) throw conflict(`Model deployment ${id}`);
    const at = now();
    const deployment: Deployment = {
      name: body.name,
      namespace: body.namespace,
      config: body.config,
      status_details: { status: 'created', description: 'Deployment created' },
      deleting: false,
      created_at: at,
      updated_at: at,
      controller: ctx.scheduler.controller(),
    };
    ctx.state.deployments.set(id, deployment);
    ctx.counters.created('deployments', id);
    ctx.gpus.hold('deployment', id, Number(body.config.nim_deployment.gpu ?? 1));
    startDeployment(ctx, deployment);
    return c.json(view(deployment));
  });

  app.get(base, (c) => {
    const query = queryParams(c, PageQuerySchema);
    const items = applyFilters([...ctx.state.deployments.values()], query, {
      namespace: (d) => d.namespace,
      name: (d) => d.name,
    });
    return c.json(page(items.map(view), query));
  });

  app.get(`${base}/:ns/:name`, (c) => c.json(view(find(ctx, c.req.param('ns'), c.req.param('name')))));

  app.delete(`${base}/:ns/:name`, (c) => {
    const deployment = find(ctx, c.req.param('ns'), c.req.param('name'));
    if (!deployment.deleting) startDeletion(ctx, deployment);
    return c.json({ id: `${deployment.namespace}/${deployment.name}`, message: 'Deployment deletion started' });
  });

  return app;
}

function find(ctx: EmulatorContext, ns: string, name: string): Deployment {
  const found = ctx.state.deployments.get(key(ns, name));
  if (!found) throw notFound(`Model deployment ${key(ns, name)}`);
  return found;
}
