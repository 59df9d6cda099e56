import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bearerSecurity, json, pick } from './common-schemas';
import { principalOf, requireAction } from './middleware/authorize';

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['configs'],
  summary: 'Names a job or schedule may pass as config_name',
  security: bearerSecurity,
  responses: {
    200: json(z.object({ configs: z.array(z.string()) }).openapi('ConfigsResponse'), 'Config names'),
    ...pick(401, 403, 429),
  },
});

export function configsRouter(configNames: () => string[]) {
  return new OpenAPIHono().openapi(route, (c) => {
    requireAction(principalOf(c), 'read');
    return c.json({ configs: configNames() }, 200);
  });
}
