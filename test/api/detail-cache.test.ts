import { DetailCache, detailVersion } from '../../api/jobs/detail-cache';

// The finished-job detail cache: one version per job, bounded by bytes, least recently used out first.

const entry = (body: string) => ({ body, etag: `"${body.length}"` });

test('a job is cached under one version only; another version misses and replaces it', () => {
  const cache = new DetailCache(1000);
  cache.set('a', '1:0', entry('x'.repeat(10)));
  expect(cache.get('a', '1:0')?.body).toHaveLength(10);
  expect(cache.get('a', '1:1')).toBeUndefined();
  cache.set('a', '1:1', entry('y'.repeat(20)));
  expect(cache.get('a', '1:0')).toBeUndefined();
  expect(cache).toMatchObject({ size: 1, totalBytes: 20 });
});

test('the total size stays under the bound: the least recently read job goes first', () => {
  const cache = new DetailCache(100);
  cache.set('a', 'v', entry('a'.repeat(40)));
  cache.set('b', 'v', entry('b'.repeat(40)));
  cache.get('a', 'v'); // b is now the least recently used
  cache.set('c', 'v', entry('c'.repeat(40)));
  expect([cache.get('a', 'v'), cache.get('b', 'v'), cache.get('c', 'v')].map((e) => e?.body[0])).toEqual([
    'a',
    undefined,
    'c',
  ]);
  expect(cache.totalBytes).toBe(80);
  cache.set('d', 'v', entry('d'.repeat(101))); // larger than the whole cache: not kept
  expect(cache.get('d', 'v')).toBeUndefined();
  expect(new DetailCache(0).size).toBe(0);
});

test('only a finished run has a version; it changes with finished_at and with detail_revision', () => {
  const at = new Date(1_000);
  expect(detailVersion({ finished_at: null })).toBeNull();
  expect(detailVersion({ finished_at: at })).toBe('1000:0');
  expect(detailVersion({ finished_at: at, detail_revision: 2 })).toBe('1000:2');
  expect(detailVersion({ finished_at: new Date(2_000), detail_revision: 2 })).toBe('2000:2');
});
