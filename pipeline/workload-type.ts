import type { ResolvedWorkloadType, WorkloadType } from '../contracts';
import { contentText, type LogRecord, responseMessage } from './log-record';

const LABEL_RE = /\[\[\[([^\]]+)\]\]\]/;

/** The label of a classification answer (`[[[label]]]` in the response content), trimmed. */
export function classificationLabel(content: unknown): string | undefined {
  if (typeof content !== 'string') return undefined;
  const label = LABEL_RE.exec(content)?.[1]?.trim();
  return label ? label : undefined;
}

/** The share of labelled answers above which a workload counts as classification. */
const CLASSIFICATION_SHARE = 0.9;

/**
 * The workload type of raw (not yet validated) records: tool calling if any response calls a
 * tool, classification if nearly every answer carries a `[[[label]]]`, generic otherwise.
 * Malformed records are ignored.
 */
export function detectWorkloadType(records: Iterable<unknown>): ResolvedWorkloadType {
  let answers = 0;
  let labelled = 0;
  for (const raw of records) {
    const message = (raw as { response?: { choices?: { message?: { content?: unknown; tool_calls?: unknown } }[] } })
      ?.response?.choices?.[0]?.message;
    if (!message || typeof message !== 'object') continue;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) return 'tool_calling';
    answers++;
    if (classificationLabel(message.content) !== undefined) labelled++;
  }
  return answers > 0 && labelled / answers >= CLASSIFICATION_SHARE ? 'classification' : 'generic';
}

export function resolveWorkloadType(configured: WorkloadType, sample: Iterable<unknown>): ResolvedWorkloadType {
  return configured === 'auto' ? detectWorkloadType(sample) : configured;
}

export const NO_TOOL = 'no_tool';
export const GENERIC_CLASS = 'generic';

/**
 * The class a record is stratified by: its tool names (sorted, joined with `+`) for tool
 * calling, its label for classification, one class for generic workloads.
 */
export function recordClass(record: LogRecord, type: ResolvedWorkloadType): string {
  const message = responseMessage(record);
  if (type === 'tool_calling') {
    const names = [...new Set((message.tool_calls ?? []).map((c) => c.function.name))].sort();
    return names.length > 0 ? names.join('+') : NO_TOOL;
  }
  if (type === 'classification') return classificationLabel(contentText(message.content)) ?? GENERIC_CLASS;
  return GENERIC_CLASS;
}
