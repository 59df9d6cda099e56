import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { HttpCore } from '../../nemo-client/http';
import { listAll, listPages, newest } from '../../nemo-client/pagination';

// Reading NeMo's paged lists page by page (`page`, `page_size`, `pagination.total_pages`), over
// real HTTP from a small server that pages a fixed list the way the v1 API does.

const ITEMS = Array.from({ length: 23 }, (_, i) => ({ id: `item-${i}`, name: i % 2 ? 'odd' : 'even' }));
const Item = z.object({ id: z.string(), name: z.string() });
const requests: URLSearchParams[] = [];
/** What the server claims as total_pages; by default the truth. */
let claimedPages: ((truth: number) => number) | undefined;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    requests.push(query);
    const page = Number(query.get('page'));
    const size = Number(query.get('page_size'));
    const matching = ITEMS.filter((i) => !query.get('filter[name]') || i.name === query.get('filter[name]'));
    const data = matching.slice((page - 1) * size, page * size);
    const truth = Math.ceil(matching.length / size);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        object: 'list',
        data,
        pagination: {
          page,
          page_size: size,
          current_page_size: data.length,
          total_pages: claimedPages?.(truth) ?? truth,
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests.length = 0;
  claimedPages = undefined;
});

const http = (pageSize: number) => new HttpCore({ baseUrl, timeoutMs: 5_000, pageSize });

test('every entry, in order, one request per page at the client page size', async () => {
  const all = await listAll(http(10), '/v1/things', Item);
  expect(all.map((i) => i.id)).toEqual(ITEMS.map((i) => i.id));
  expect(requests.map((q) => [q.get('page'), q.get('page_size')])).toEqual([
    ['1', '10'],
    ['2', '10'],
    ['3', '10'],
  ]);
});

test('pages arrive one at a time and the query goes with every request', async () => {
  const sizes: number[] = [];
  for await (const page of listPages(http(5), '/v1/things', Item, { 'filter[name]': 'odd' })) sizes.push(page.length);
  expect(sizes).toEqual([5, 5, 1]);
  expect(requests.every((q) => q.get('filter[name]') === 'odd')).toBe(true);
});

test('an empty page ends the listing even when the server claims more pages', async () => {
  claimedPages = () => 50;
  const all = await listAll(http(10), '/v1/things', Item);
  expect(all).toHaveLength(23);
  expect(requests).toHaveLength(4);
});

test('an entry of the wrong shape is an error, not a silently short list', async () => {
  await expect(listAll(http(10), '/v1/things', z.object({ id: z.number() }))).rejects.toThrow(
    /unexpected response shape/,
  );
});

test('newest picks the latest created_at; entries without one lose; none gives undefined', () => {
  const entries = [
    { id: 'a', created_at: '2025-01-01T00:00:00' },
    { id: 'b', created_at: '2025-03-01T00:00:00' },
    { id: 'c', created_at: null },
    { id: 'd', created_at: '2025-02-01T00:00:00' },
  ];
  expect(newest(entries)?.id).toBe('b');
  expect(newest([{ id: 'c', created_at: null }])?.id).toBe('c');
  expect(newest([])).toBeUndefined();
});
