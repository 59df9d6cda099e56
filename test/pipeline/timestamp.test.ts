import { kindOf, readTimestamp, timestampToIso, timestampToMillis } from '../../pipeline/timestamp';

// Log timestamps read strictly: epoch seconds or milliseconds, or ISO-8601 (naive means UTC);
// impossible dates and trailing text are refused with the reason.

const JAN_1_2026 = Date.UTC(2026, 0, 1, 10, 0, 0);

test('epoch seconds and epoch milliseconds, as numbers or digit strings, name the same instant', () => {
  for (const value of [JAN_1_2026 / 1000, JAN_1_2026, String(JAN_1_2026 / 1000), String(JAN_1_2026)]) {
    expect(timestampToMillis(value)).toBe(JAN_1_2026);
  }
  expect(timestampToMillis(1_700_000_000.5)).toBe(1_700_000_000_500);
});

test('ISO-8601 with a zone is exact; without one it is UTC', () => {
  expect(timestampToMillis('2026-01-01T10:00:00Z')).toBe(JAN_1_2026);
  expect(timestampToMillis('2026-01-01T12:00:00+02:00')).toBe(JAN_1_2026);
  expect(timestampToMillis('2026-01-01T05:30:00-0430')).toBe(JAN_1_2026);
  expect(timestampToMillis('2026-01-01T10:00:00')).toBe(JAN_1_2026);
  expect(timestampToMillis('2026-01-01 10:00')).toBe(JAN_1_2026);
  expect(timestampToIso('2026-01-01')).toBe('2026-01-01T00:00:00.000Z');
  expect(timestampToIso('2026-01-01T10:00:00.123456Z')).toBe('2026-01-01T10:00:00.123Z');
});

test('an impossible calendar date or time is refused, not rolled over', () => {
  expect(readTimestamp('2026-02-30')).toEqual({
    ok: false,
    problem: '"2026-02-30" is not a real date: February 2026 has 28 days',
  });
  expect(readTimestamp('2024-02-29').ok).toBe(true);
  expect(readTimestamp('1900-02-29T00:00:00Z').ok).toBe(false);
  expect(readTimestamp('2026-13-01')).toMatchObject({ ok: false, problem: expect.stringMatching(/month 13/) });
  expect(readTimestamp('2026-01-01T24:00:00')).toMatchObject({
    ok: false,
    problem: expect.stringMatching(/time of day/),
  });
  expect(readTimestamp('2026-01-01T10:00:00+25:00')).toMatchObject({
    ok: false,
    problem: expect.stringMatching(/zone offset/),
  });
});

test('trailing text and non-times are refused with a reason that says which', () => {
  expect(readTimestamp('2026-01-01 (Mon)')).toMatchObject({
    ok: false,
    problem: expect.stringMatching(/text an ISO-8601/),
  });
  expect(readTimestamp('yesterday')).toMatchObject({ ok: false, problem: expect.stringMatching(/is not a time/) });
  expect(readTimestamp('')).toEqual({ ok: false, problem: 'is empty' });
  expect(readTimestamp(undefined)).toEqual({ ok: false, problem: 'is missing' });
  expect(readTimestamp({ at: 1 })).toMatchObject({ ok: false, problem: expect.stringMatching(/not an object$/) });
  expect(timestampToIso(null)).toBeUndefined();
});

test('instants before 1970 or after 9999 are out of range', () => {
  expect(readTimestamp(-1)).toMatchObject({ ok: false, problem: expect.stringMatching(/before 1970/) });
  expect(readTimestamp('1969-12-31T23:59:59Z')).toMatchObject({
    ok: false,
    problem: expect.stringMatching(/before 1970/),
  });
  expect(readTimestamp(Number.POSITIVE_INFINITY)).toEqual({ ok: false, problem: 'is out of range' });
  expect(readTimestamp(1e16)).toMatchObject({ ok: false, problem: expect.stringMatching(/after the year 9999/) });
});

test('kindOf names a JSON value for a rejection reason', () => {
  expect([null, [], {}, 1, 'x', true].map(kindOf)).toEqual([
    'null',
    'an array',
    'an object',
    'a number',
    'a string',
    'a boolean',
  ]);
});
