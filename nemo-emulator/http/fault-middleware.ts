import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { EmulatorContext } from '../context';
import { DEFAULT_HANG_MS } from '../runtime/faults';
import { AbortedError } from '../runtime/scheduler';
import { errorBody, HttpError } from './errors';
import { routeTemplate } from './route-template';

// Counts every request by route template and applies the fault plan's route rules: added latency, then (rolled in this order) a hang,
// a 429, a 5xx, or a lost response: the request is carried out and the client gets a 504, as
// when an ingress gives up on an upstream that did the work. Admin routes are exempt.

const OPENAI_ROUTES = new Set(['POST /v1/chat/completions', 'POST /v1/embeddings', 'GET /v1/models']);

export function faultMiddleware(ctx: EmulatorContext): MiddlewareHandler {
  return async (c, next) => {
    const template = routeTemplate(c);
    const route = `${c.req.method} ${template}`;
    ctx.counters.request(route);
    if (template.startsWith('/admin') || template === '/health') return next();

    const rule = ctx.faults.routeRule(route);
    if (!rule) return next();
    if (rule.latency_ms) {
      ctx.counters.fault('latency');
      await ctx.scheduler.sleepExactly(rule.latency_ms).catch(ignoreAbort);
    }
    const fault = ctx.faults.pickRouteFault(rule);
    if (!fault) return next();
    ctx.counters.fault(fault);
    const openAi = OPENAI_ROUTES.has(route);
    if (fault === 'lost_response') {
      await next();
      // after next() the handler's response is final: returning another one is ignored, so the
      // 504 replaces it (cleared first, so none of the handler's headers are carried over)
      c.res = undefined;
      c.res = reply(c, new HttpError(504, 'Gateway Timeout (injected fault: the request was carried out)', openAi));
      return;
    }
    if (fault === 'timeout') {
      await hang(c, ctx, rule.hang_ms ?? DEFAULT_HANG_MS);
      return reply(c, new HttpError(504, 'Gateway Timeout (injected fault)', openAi));
    }
    if (fault === 'error_429') return reply(c, new HttpError(429, 'Too Many Requests (injected fault)', openAi));
    return reply(c, new HttpError(503, 'Service Unavailable (injected fault)', openAi));
  };
}

function reply(c: Context, err: HttpError): Response {
  return c.json(errorBody(err) as object, err.status);
}

/** Holds the request until the client hangs up, the hang time passes or the emulator closes. */
async function hang(c: Context, ctx: EmulatorContext, ms: number): Promise<void> {
  const outgoing = (c.env as HttpBindings | undefined)?.outgoing;
  const hangUp = new AbortController();
  const stop = () => hangUp.abort();
  outgoing?.once('close', stop);
  ctx.scheduler.signal.addEventListener('abort', stop, { once: true });
  try {
    await ctx.scheduler.sleepExactly(ms, hangUp.signal);
  } catch (err) {
    ignoreAbort(err);
  } finally {
    outgoing?.off('close', stop);
    ctx.scheduler.signal.removeEventListener('abort', stop);
  }
}

function ignoreAbort(err: unknown): void {
  if (!(err instanceof AbortedError)) throw err;
}
