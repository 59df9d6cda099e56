import { z } from 'zod';

// NeMo list pages: `?page=1&page_size=100` → `{object: "list", data, pagination}`.

export const PageQuerySchema = z
  .object({
    page: z.coerce.number().int().min(1).default(1),
    page_size: z.coerce.number().int().min(1).max(1000).default(100),
    'filter[name]': z.string().optional(),
  })
  .loose();

export type PageQuery = z.infer<typeof PageQuerySchema>;

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
