/**
 * Datetimes as the Blueprint serialises them: naive UTC ISO-8601 with microseconds and no
 * zone suffix ("2025-01-15T10:30:00.123000"), which Python's datetime.fromisoformat reads.
 */
export function naiveUtc(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000`;
}

export const naiveUtcOrNull = (date: Date | null | undefined): string | null => (date ? naiveUtc(date) : null);

export const NAIVE_UTC_EXAMPLE = '2025-01-15T10:30:00.123000';
