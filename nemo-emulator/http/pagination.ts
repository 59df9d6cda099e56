import { z } from 'zod';

// NeMo list pages: `?page=1&page_size=100` → `{object: "list", data, pagination}`, and the
// documented list filters: `filter[field]=value`, nested ones as `filter[field][key]=value`
// (the SDK's query encoding).

export const PageQuerySchema = z
  .object({
    page: z.coerce.number().int().min(1).default(1),
    page_size: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .loose();

export type PageQuery = z.infer<typeof PageQuerySchema>;

/** The `filter[...]` parameters of a query, as `{field: value}` / `{"field.key": value}`. */
export function filtersOf(query: Record<string, unknown>): Map<string, string> {
  const filters = new Map<string, string>();
  for (const [param, value] of Object.entries(query)) {
    const match = /^filter((?:\[[^\]]+\])+)$/.exec(param);
    if (!match || typeof value !== 'string') continue;
    const path = [...(match[1] ?? '').matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]).join('.');
    filters.set(path, value);
  }
  return filters;
}

/**
 * Keeps the items every filter matches. `fields` says how to read each filterable field;
 * a filter on a field the route does not support is a 422 naming it, as FastAPI would.
 */
export function applyFilters<T>(
  items: T[],
  query: Record<string, unknown>,
  fields: Record<string, (item: T, key?: string) => unknown>,
): T[] {
  const filters = filtersOf(query);
  let kept = items;
  for (const [path, wanted] of filters) {
    const [field = '', key] = path.split(/\.(.*)/s);
    const read = fields[field];
    if (!read) throw new UnsupportedFilter(path, Object.keys(fields));
    kept = kept.filter((item) => {
      const value = read(item, key);
      return value !== undefined && value !== null && String(value) === wanted;
    });
  }
  return kept;
}

export class UnsupportedFilter extends Error {
  constructor(
    readonly field: string,
    readonly supported: string[],
  ) {
    super(`filter[${field.replace(/\./g, '][')}] is not a filter of this list (filters: ${supported.join(', ')})`);
  }
}

export function page<T>(items: T[], query: PageQuery) {
  const start = (query.page - 1) * query.page_size;
  const data = items.slice(start, start + query.page_size);
  return {
    object: 'list',
    data,
    pagination: {
      page: query.page,
      page_size: query.page_size,
      current_page_size: data.length,
      total_pages: Math.max(1, Math.ceil(items.length / query.page_size)),
      total_results: items.length,
    },
  };
}
