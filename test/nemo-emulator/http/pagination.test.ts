import {
  applyFilters,
  filtersOf,
  PageQuerySchema,
  page,
  UnsupportedFilter,
} from '../../../nemo-emulator/http/pagination';

// The emulator's NeMo list pages and `filter[...]` query parameters, as the SDK encodes them.

const jobs = Array.from({ length: 7 }, (_, i) => ({
  id: `job-${i}`,
  status: i % 3 === 0 ? 'completed' : 'running',
  config: { model: i < 4 ? 'meta/llama-3.2-1b-instruct' : 'meta/llama-3.1-8b-instruct' },
}));
const fields = {
  status: (j: (typeof jobs)[number]) => j.status,
  config: (j: (typeof jobs)[number], key?: string) => (key ? (j.config as Record<string, unknown>)[key] : undefined),
};

test('page and page_size default to 1 and 100, come from query strings, and are bounded', () => {
  expect(PageQuerySchema.parse({})).toEqual({ page: 1, page_size: 100 });
  expect(PageQuerySchema.parse({ page: '3', page_size: '25', sort: 'x' })).toEqual({
    page: 3,
    page_size: 25,
    sort: 'x',
  });
  for (const bad of [{ page: '0' }, { page_size: '1001' }, { page_size: '2.5' }, { page: 'two' }]) {
    expect(PageQuerySchema.safeParse(bad).success).toBe(false);
  }
});

test('a page slices the list and reports the totals; a page past the end is empty', () => {
  const second = page(jobs, { page: 2, page_size: 3 });
  expect(second.data.map((j) => j.id)).toEqual(['job-3', 'job-4', 'job-5']);
  expect(second.pagination).toEqual({ page: 2, page_size: 3, current_page_size: 3, total_pages: 3, total_results: 7 });
  expect(page(jobs, { page: 9, page_size: 3 }).data).toEqual([]);
  expect(page([], { page: 1, page_size: 10 }).pagination.total_pages).toBe(1);
});

test('filter[field] and filter[field][key] are read from the query; other parameters are not filters', () => {
  const filters = filtersOf({
    'filter[status]': 'running',
    'filter[config][model]': 'm',
    page: '1',
    filter: 'x',
    'filter[]': 'y',
  });
  expect([...filters]).toEqual([
    ['status', 'running'],
    ['config.model', 'm'],
  ]);
});

test('every filter must match, nested ones through their key', () => {
  const kept = applyFilters(
    jobs,
    { 'filter[status]': 'running', 'filter[config][model]': 'meta/llama-3.1-8b-instruct' },
    fields,
  );
  expect(kept.map((j) => j.id)).toEqual(['job-4', 'job-5']);
  expect(applyFilters(jobs, {}, fields)).toHaveLength(7);
  expect(applyFilters(jobs, { 'filter[status]': 'failed' }, fields)).toEqual([]);
});

test('a filter the list does not support is refused, naming it and the ones it has', () => {
  const call = () => applyFilters(jobs, { 'filter[owner][team]': 'a' }, fields);
  expect(call).toThrow(UnsupportedFilter);
  expect(call).toThrow('filter[owner][team] is not a filter of this list (filters: status, config)');
});
