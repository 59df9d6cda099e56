import type { Context } from 'hono';
import { routePath } from 'hono/route';

/** Hono's `/v1/jobs/:id` and `:path{.+}` as the contract writes them: `/v1/jobs/{id}`. */
export function templateOf(path: string): string {
  return path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
}

/** The route template a request matched (its own path when only a catch-all matched). */
export function routeTemplate(c: Context): string {
  const matched = routePath(c, -1);
  return matched === '*' || matched === '/*' ? c.req.path : templateOf(matched);
}
