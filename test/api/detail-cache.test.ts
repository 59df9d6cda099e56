import { DetailCache, detailVersion } from '../../api/jobs/detail-cache';

// The finished-job detail cache: one version per job, bounded by bytes, least recently used out first.

const entry = (body: string) => ({ body, etag: `"${body.length}"`, clientId: 'c' });

test('a job is cached under one version only; another version misses and replaces it', () => {
  const cache = new DetailCache(1000);
  cache.set('a', '1:0', entry('x'.repeat(10)), 0);
  expect(cache.get('a', '1:0')?.body).toHaveLength(10);
  expect(cache.get('a', '1:1')).toBeUndefined();
  cache.set('a', '1:1', entry('y'.repeat(20)), 0);
  expect(cache.get('a', '1:0')).toBeUndefined();
  expect(cache).toMatchObject({ size: 1, totalBytes: 20 });
});

test('the total size stays under the bound: the least recently read job goes first', () => {
  const cache = new DetailCache(100);
  cache.set('a', 'v', entry('a'.repeat(40)), 0);
  cache.set('b', 'v', entry('b'.repeat(40)), 0);
  cache.get('a', 'v'); // b is now the least recently used
  cache.set('c', 'v', entry('c'.repeat(40)), 0);
  expect([cache.get('a', 'v'), cache.get('b', 'v'), cache.get('c', 'v')].map((e) => e?.body[0])).toEqual([
    'a',
    undefined,
    'c',
  ]);
  expect(cache.totalBytes).toBe(80);
  cache.set('d', 'v', entry('d'.repeat(101)), 0); // larger than the whole cache: not kept
  expect(cache.get('d', 'v')).toBeUndefined();
});

test('an entry is served without the store only within the revalidation window after the store confirmed it', () => {
  let now = 0;
  const cache = new DetailCache(1000, 500, () => now);
  cache.set('a', 'v1', entry('x'), 0);
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
  strong.set('a', 'v1', entry('x'), 0);
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

test('the change log drops what it names; a read begun before a change of its job is not kept', () => {
  const cache = new DetailCache(1000);
  cache.set('a', 'v', entry('a'), 5);
  cache.set('b', 'v', entry('b'), 5);
  cache.applyChanges([{ n: 6, runId: 'a' }]);
  expect(cache.get('a', 'v')).toBeUndefined();
  expect(cache.get('b', 'v')?.body).toBe('b');
  // rendered from a read begun at 5, before change 6 of the job: the read may predate the write
  cache.set('a', 'v', entry('stale'), 5);
  expect(cache.get('a', 'v')).toBeUndefined();
  cache.set('a', 'v2', entry('new'), 6); // begun after it: kept
  expect(cache.get('a', 'v2')?.body).toBe('new');
  cache.set('c', 'v', entry('c'), null); // the log never read: nothing may be kept
  expect(cache.get('c', 'v')).toBeUndefined();
  // the log lost track: everything goes, and no read begun before its new position is kept
  cache.clear(40);
  expect(cache).toMatchObject({ size: 0, totalBytes: 0 });
  cache.set('b', 'v', entry('b'), 39);
  expect(cache.get('b', 'v')).toBeUndefined();
  cache.set('b', 'v', entry('b'), 40);
  expect(cache.get('b', 'v')?.body).toBe('b');
});
