import type { ResolvedWorkloadType } from '../contracts';
import { toTrainingRow } from './formatting';
import type { LogRecord } from './log-record';
import { recordKeys } from './record-keys';
import { type RejectionReason, validateRecord } from './validation';
import { recordClass } from './workload-type';

// The per-record work of the first pass that needs no state from other records: validation,
// the dedup key and seeded priority, the class and the training line. It runs on the main
// thread (DatasetAssembler.add) or in a record worker (record-worker.ts); what depends on
// arrival order (dedup, indexes, the ICL pool, eval candidates) stays in DatasetAssembler.

export interface ProcessOptions {
  workloadType: ResolvedWorkloadType;
  parseFunctionArguments: boolean;
  maxToolProperties: number;
  seed: string;
}

/**
 * A validated record, or its JSON text when it crossed a thread boundary (a string is cheap to
 * pass between threads; only the few records kept for eval or ICL are parsed back).
 */
export type RecordRef = LogRecord | string;

export const resolveRecord = (ref: RecordRef): LogRecord => (typeof ref === 'string' ? JSON.parse(ref) : ref);

export type ProcessedRecord =
  | { ok: false; reason: RejectionReason; detail: string; documentId?: string }
  | {
      ok: true;
      /** Undefined for a record without user text: it is never a duplicate. */
      key?: string;
      priority?: number;
      cls: string;
      /** Formatted ahead of dedup off the main thread; undefined: format on acceptance. */
      trainLine?: string;
      record: RecordRef;
    };

export function processRecord(
  raw: unknown,
  options: ProcessOptions,
  documentId: string | undefined,
  offThread: boolean,
): ProcessedRecord {
  const result = validateRecord(raw, options);
  if (!result.ok) {
    return { ok: false, reason: result.reason, detail: result.detail, ...(documentId ? { documentId } : {}) };
  }
  const record = result.record;
  const keys = recordKeys(record, options.seed);
  const cls = recordClass(record, options.workloadType);
  if (!offThread) return { ok: true, key: keys?.key, priority: keys?.priority, cls, record };
  return {
    ok: true,
    ...(keys ? { key: keys.key, priority: keys.priority } : {}),
    cls,
    trainLine: trainLine(record, options.workloadType),
    record: JSON.stringify(record),
  };
}

export const trainLine = (record: LogRecord, type: ResolvedWorkloadType): string =>
  JSON.stringify(toTrainingRow(record, type));
