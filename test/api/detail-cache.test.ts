import { DetailCache, detailVersion } from '../../api/jobs/detail-cache';

// The finished-job detail cache: one version per job, bounded by bytes, least recently used out first.

const entry = (body: string) => ({ body, etag: `"${body.length}"`, clientId: 'c' });

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
});

test('an entry is served without the store only within the revalidation window after the store confirmed it', () => {
  let now = 0;
  const cache = new DetailCache(1000, 500, () => now);
  cache.set('a', 'v1', entry('x'));
  now = 499;
  expect(cache.recent('a')?.body).toBe('x');
  now = 500;
  expect(cache.recent('a')).toBeUndefined(); // the store must be asked
  expect(cache.get('a', 'v1')?.body).toBe('x'); // it confirmed the version: a new window
  now = 999;
  expect(cache.recent('a')?.body).toBe('x');
  now = 1000;
  expect(cache.get('a', 'v2')).toBeUndefined(); // the store has another version now
  const strong = new DetailCache(1000, 0, () => now);
  strong.set('a', 'v1', entry('x'));
  expect(strong.recent('a')).toBeUndefined(); // window 0: every request asks the store
  expect(strong.get('a', 'v1')?.body).toBe('x');
  cache.delete('a');
  expect(cache).toMatchObject({ size: 0, totalBytes: 0 });
});

test('only a finished run has a version; it changes with finished_at and with detail_revision', () => {
  const at = new Date(1_000);
  expect(detailVersion({ finished_at: null })).toBeNull();
  expect(detailVersion({ finished_at: at })).toBe('1000:0');
  expect(detailVersion({ finished_at: at, detail_revision: 2 })).toBe('1000:2');
  expect(detailVersion({ finished_at: new Date(2_000), detail_revision: 2 })).toBe('2000:2');
});
