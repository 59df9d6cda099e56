import { createHash } from 'node:crypto';
import { type LogRecord, userTurns } from './log-record';

/**
 * A record's de-duplication key and seeded priority from one hash of its non-empty user turns
 * (in order). The key is bytes 6–21 of the digest (128 bits: no practical collision risk at
 * millions of records), the priority its first 48 bits. Records with no user text have no key
 * (they are never duplicates) and `undefined` is returned for them.
 */
export function recordKeys(
  record: Pick<LogRecord, 'request'>,
  seed: string,
): { key: string; priority: number } | undefined {
  const turns = userTurns(record).filter((t) => t.length > 0);
  if (turns.length === 0) return undefined;
  const digest = createHash('sha256').update(seed).update('\0').update(JSON.stringify(turns)).digest();
  return { key: digest.toString('base64', 6, 22), priority: digest.readUIntBE(0, 6) / 2 ** 48 };
}

/** The de-duplication key alone (see `recordKeys`). */
export function dedupKey(record: Pick<LogRecord, 'request'>, seed = ''): string | undefined {
  return recordKeys(record, seed)?.key;
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
