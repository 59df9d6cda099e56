import { NAIVE_UTC_EXAMPLE, naiveUtc, naiveUtcOrNull } from '../../api/time';

// The Blueprint's datetimes: naive UTC with microseconds, no zone suffix.

test('a date serialises as naive UTC with six fractional digits and no zone', () => {
  const date = new Date('2025-01-15T10:30:00.123Z');
  expect(naiveUtc(date)).toBe('2025-01-15T10:30:00.123000');
  expect(naiveUtc(date)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
});

test('the time is UTC whatever the offset the date was written with', () => {
  expect(naiveUtc(new Date('2025-01-15T23:59:59.999-02:00'))).toBe('2025-01-16T01:59:59.999000');
});

test('it reads back as the same instant once the zone is restored', () => {
  const date = new Date(Date.UTC(2024, 1, 29, 0, 0, 0, 7));
  const text = naiveUtc(date);
  expect(new Date(`${text.slice(0, 23)}Z`).getTime()).toBe(date.getTime());
});

test('a missing date is null, and the documented example has the same shape', () => {
  expect(naiveUtcOrNull(null)).toBeNull();
  expect(naiveUtcOrNull(undefined)).toBeNull();
  expect(naiveUtcOrNull(new Date(0))).toBe('1970-01-01T00:00:00.000000');
  expect(naiveUtc(new Date(`${NAIVE_UTC_EXAMPLE.slice(0, 23)}Z`))).toBe(NAIVE_UTC_EXAMPLE);
});
