import type { ResolvedWorkloadType } from '../contracts';
import { toTrainingRow } from './formatting';
import type { LogRecord } from './log-record';
import { recordKeys } from './record-keys';
import { RepeatedJson } from './repeated-json';
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
      record: LogRecord;
    };

/**
 * Priorities at or above which an accepted record can no longer enter the ICL pool or its
 * class's eval candidates: a record worker leaves such records out of its answer instead of
 * sending them as JSON. They only fall as records are accepted, so a snapshot taken before a
 * page is applied errs on the side of sending.
 */
export interface RecordCutoffs {
  pool: number;
  /** By class name; a class missing here takes every record. */
  eval: Record<string, number>;
}

/** Whether a record with these keys may still be kept for the ICL pool or eval (see `RecordCutoffs`). */
export function mayBeKept(priority: number | undefined, cls: string, cutoffs: RecordCutoffs | undefined): boolean {
  // a record without a key gets its priority from its index, known only where it is accepted
  return (
    priority === undefined ||
    !cutoffs ||
    priority < cutoffs.pool ||
    priority < (cutoffs.eval[cls] ?? Number.POSITIVE_INFINITY)
  );
}

export function processRecord(raw: unknown, options: ProcessOptions, documentId: string | undefined): ProcessedRecord {
  const result = validateRecord(raw, options);
  if (!result.ok) {
    return { ok: false, reason: result.reason, detail: result.detail, ...(documentId ? { documentId } : {}) };
  }
  const record = result.record;
  const keys = recordKeys(record, options.seed);
  const cls = recordClass(record, options.workloadType);
  return { ok: true, key: keys?.key, priority: keys?.priority, cls, record };
}

/** The request's tools, the same in most records of a workload: their text is reused. */
const toolsText = new RepeatedJson();

/** `JSON.stringify(toTrainingRow(record, type))`, with the tools' text reused from the record before when equal. */
export function trainLine(record: LogRecord, type: ResolvedWorkloadType): string {
  const row = toTrainingRow(record, type);
  if (!row.tools) return JSON.stringify(row);
  // the row's keys are messages, then tools: the text JSON.stringify gives
  return `{"messages":${JSON.stringify(row.messages)},"tools":${toolsText.stringify(row.tools)}}`;
}
