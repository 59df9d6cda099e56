import { createHash } from 'node:crypto';
import { type LogRecord, userTurns } from './log-record';

/**
 * The de-duplication key of a record: a hash of its non-empty user turns, in order. Records
 * with no user text have no key and are never treated as duplicates. A 128-bit digest keeps
 * the seen-set small at millions of records with no practical collision risk.
 */
export function dedupKey(record: Pick<LogRecord, 'request'>): string | undefined {
  const turns = userTurns(record).filter((t) => t.length > 0);
  if (turns.length === 0) return undefined;
  return createHash('sha256').update(JSON.stringify(turns)).digest('base64').slice(0, 22);
}

/** Remembers keys seen so far; the first record (the newest, in export order) wins. */
export class Deduplicator {
  private readonly seen = new Set<string>();
  duplicates = 0;

  /** True when the record is new (keep it), false when an earlier record had the same key. */
  admit(key: string | undefined): boolean {
    if (key === undefined) return true;
    if (this.seen.has(key)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(key);
    return true;
  }
}

/**
 * A seeded pseudo-random number in [0, 1) for a record, stable across runs with the same
 * seed and independent of the order records arrive in. Sorting by it is a seeded shuffle.
 */
export function seededPriority(seed: string, key: string): number {
  const digest = createHash('sha256').update(seed).update('\0').update(key).digest();
  // 48 bits fit a double exactly
  return digest.readUIntBE(0, 6) / 2 ** 48;
}
