import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { json } from '../common-schemas';
import type { ApiDeps } from '../deps';
import type { ApiLogger } from '../logger';

// Kubernetes probes. Liveness says the process serves; readiness checks every dependency the
// API needs (Temporal, MongoDB, Elasticsearch), each under its own time limit. The probes need
// no token, so a failed check answers only which dependency and a fixed reason; the raw error
// (addresses, driver messages) goes to the log.

const TIMED_OUT = 'timed out';
const UNAVAILABLE = 'unavailable';

class ProbeTimeout extends Error {}

const Check = z.object({
  ok: z.boolean(),
  latency_ms: z.number(),
  error: z
    .enum([TIMED_OUT, UNAVAILABLE])
    .optional()
    .openapi({ description: 'Why the check failed (details are logged)' }),
});
const Ready = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    checks: z.object({ temporal: Check, mongodb: Check, elasticsearch: Check }),
  })
  .openapi('Readiness');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Liveness',
  responses: { 200: json(z.object({ status: z.literal('ok') }).openapi('Liveness'), 'The process is up') },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['health'],
  summary: 'Readiness: Temporal, MongoDB and Elasticsearch reachable',
  responses: { 200: json(Ready, 'Ready'), 503: json(Ready, 'A dependency is down') },
});

async function timed(
  name: string,
  check: () => Promise<unknown>,
  timeoutMs: number,
  logger: ApiLogger,
): Promise<z.infer<typeof Check>> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latency_ms: Math.round(performance.now() - start) };
  } catch (err) {
    logger.warn('readiness check failed', { dependency: name, error: (err as Error).message });
    const error = err instanceof ProbeTimeout ? TIMED_OUT : UNAVAILABLE;
    return { ok: false, latency_ms: Math.round(performance.now() - start), error };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(
  deps: Pick<ApiDeps, 'temporal' | 'results' | 'elasticsearch' | 'readinessTimeoutMs'>,
  logger: ApiLogger,
) {
  const timeout = deps.readinessTimeoutMs ?? 2000;
  return new OpenAPIHono()
    .openapi(health, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(ready, async (c) => {
      const [temporal, mongodb, elasticsearch] = await Promise.all([
        timed('temporal', () => deps.temporal.workflowService.getSystemInfo({}), timeout, logger),
        timed('mongodb', () => deps.results.ping(), timeout, logger),
        timed(
          'elasticsearch',
          async () => {
            const h = await deps.elasticsearch.cluster.health({ timeout: `${timeout}ms` });
            if (h.status === 'red') throw new Error('cluster status red');
          },
          timeout,
          logger,
        ),
      ]);
      const ok = temporal.ok && mongodb.ok && elasticsearch.ok;
      const body = {
        status: ok ? ('ready' as const) : ('not-ready' as const),
        checks: { temporal, mongodb, elasticsearch },
      };
      return ok ? c.json(body, 200) : c.json(body, 503);
    });
}
