// Log timestamps: epoch seconds, epoch milliseconds (a number or a digit string) or an ISO-8601
// date-time, read strictly. An impossible calendar date (2026-02-30) or trailing text
// ("2026-01-01 (Mon)") is refused rather than rolled over or ignored the way Date.parse does.
//
// A date-time without a zone ("2026-01-01T10:00:00", "2026-01-01") is read as UTC, whatever the
// loader's own time zone: that is what Elasticsearch does with such a value and how the
// Blueprint writes its own (naive UTC) times, so the same file always means the same instants.

/** Epoch values below this are seconds (it is 1973 in milliseconds, 5138 in seconds). */
const SECONDS_LIMIT = 1e11;

/** Dates Elasticsearch and `Date` both represent: 1970 to year 9999. */
const MAX_MILLIS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : (DAYS[month - 1] as number));

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

export type TimestampResult = { ok: true; millis: number } | { ok: false; problem: string };

function rangeProblem(millis: number): string | undefined {
  if (millis < 0) return 'is out of range: before 1970-01-01T00:00:00Z';
  if (millis > MAX_MILLIS) return 'is out of range: after the year 9999';
  return undefined;
}

function fromIso(text: string): TimestampResult {
  const m = ISO_RE.exec(text);
  if (!m) {
    const prefix = /^\d{4}-\d{2}-\d{2}/.test(text);
    return {
      ok: false,
      problem: prefix
        ? `${quote(text)} has text an ISO-8601 date-time cannot hold (expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM])`
        : `${quote(text)} is not a time (expected epoch seconds, epoch milliseconds or an ISO-8601 date-time)`,
    };
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', , sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) return { ok: false, problem: `${quote(text)} has month ${mo}, which does not exist` };
  const last = daysIn(year, month);
  if (day < 1 || day > last) {
    return {
      ok: false,
      problem: `${quote(text)} is not a real date: ${MONTHS[month - 1]} ${year} has ${last} days`,
    };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, problem: `${quote(text)} is not a real time of day` };
  }
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  if (sign && (Number(oh) > 23 || Number(om) > 59)) {
    return { ok: false, problem: `${quote(text)} has an impossible zone offset` };
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(frac.slice(0, 3).padEnd(3, '0')));
  const millis = date.getTime() - offsetMinutes * 60_000;
  const range = rangeProblem(millis);
  return range ? { ok: false, problem: range } : { ok: true, millis };
}

function fromEpoch(n: number): TimestampResult {
  if (!Number.isFinite(n)) return { ok: false, problem: 'is out of range' };
  const millis = n < SECONDS_LIMIT ? n * 1000 : n;
  const range = rangeProblem(millis);
  return range ? { ok: false, problem: range } : { ok: true, millis: Math.round(millis) };
}

/** What a JSON value is, for a rejection reason: 'null', 'an array', 'an object', 'a number'... */
export const kindOf = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : `a ${typeof value}`;

/** The instant a log timestamp names, or exactly why it names none. */
export function readTimestamp(value: unknown): TimestampResult {
  if (value === undefined) return { ok: false, problem: 'is missing' };
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value === 'string') {
    if (value.length === 0) return { ok: false, problem: 'is empty' };
    if (/^\d+(\.\d+)?$/.test(value)) return fromEpoch(Number(value));
    return fromIso(value);
  }
  return {
    ok: false,
    problem: `must be epoch seconds, epoch milliseconds or an ISO-8601 string, not ${kindOf(value)}`,
  };
}

/** Milliseconds since the epoch, or undefined when the value is not a valid time. */
export function timestampToMillis(value: unknown): number | undefined {
  const result = readTimestamp(value);
  return result.ok ? result.millis : undefined;
}

/** The timestamp as an ISO-8601 UTC string (what the loader indexes), or undefined. */
export function timestampToIso(value: unknown): string | undefined {
  const millis = timestampToMillis(value);
  return millis === undefined ? undefined : new Date(millis).toISOString();
}
