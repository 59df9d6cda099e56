import { z } from 'zod';
import type { HttpCore } from './http';

const PaginationSchema = z.looseObject({
  page: z.number(),
  page_size: z.number(),
  current_page_size: z.number().nullish(),
  total_pages: z.number(),
  total_results: z.number().nullish(),
});

export const listPageOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({ object: z.string().nullish(), data: z.array(item), pagination: PaginationSchema.nullish() });

/** A guard against a server whose pagination never ends. */
const MAX_PAGES = 1000;

/** Every entry of a paged list, page by page. */
export async function* listPages<T extends z.ZodType>(
  http: HttpCore,
  path: string,
  item: T,
  query: Record<string, string> = {},
): AsyncGenerator<z.infer<T>[]> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await http.call(
      { method: 'GET', path, query: { ...query, page, page_size: http.pageSize } },
      listPageOf(item),
    );
    yield answer.data as z.infer<T>[];
    const totalPages = answer.pagination?.total_pages ?? 1;
    if (page >= totalPages || answer.data.length === 0) return;
  }
}

export async function listAll<T extends z.ZodType>(
  http: HttpCore,
  path: string,
  item: T,
  query: Record<string, string> = {},
): Promise<z.infer<T>[]> {
  const all: z.infer<T>[] = [];
  for await (const page of listPages(http, path, item, query)) all.push(...page);
  return all;
}

/** The newest of the entries with that name (a retried caller resumes it instead of creating another). */
export function newest<T extends { created_at?: string | null }>(entries: T[]): T | undefined {
  return entries.reduce<T | undefined>(
    (best, e) => (best === undefined || (e.created_at ?? '') > (best.created_at ?? '') ? e : best),
    undefined,
  );
}
