import { seededRandom } from '../../decision/rng';

// The seeded generator behind the bootstrap intervals: reproducible and roughly uniform.

const take = (next: () => number, n: number) => Array.from({ length: n }, () => next());

test('the same seed gives the same stream, another seed another one', () => {
  expect(take(seededRandom(42), 50)).toEqual(take(seededRandom(42), 50));
  expect(take(seededRandom(42), 50)).not.toEqual(take(seededRandom(43), 50));
});

test('every value lies in [0, 1) and the stream does not repeat early', () => {
  const values = take(seededRandom(7), 10_000);
  expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  expect(new Set(values).size).toBeGreaterThan(9_990);
});

test('values spread evenly over ten buckets', () => {
  const buckets = new Array(10).fill(0);
  for (const v of take(seededRandom(2024), 20_000)) buckets[Math.floor(v * 10)]++;
  for (const count of buckets) expect(Math.abs(count - 2_000)).toBeLessThan(200);
});

test('seeds are taken as 32-bit unsigned integers', () => {
  expect(take(seededRandom(2 ** 32 + 5), 5)).toEqual(take(seededRandom(5), 5));
  expect(take(seededRandom(-1), 5)).toEqual(take(seededRandom(2 ** 32 - 1), 5));
});
