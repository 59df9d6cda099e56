import { createHash } from 'node:crypto';
import { ConversationSchema, conversationToLogRecord, isConversationLine } from './conversation-format';
import { scanJson } from './json-scan';
import { LogEnvelopeSchema, timestampToIso } from './log-record';
import { isRetrievalLine, retrievalRecordProblem } from './retrieval-log';

// One line of a JSONL log file turned into the document the loader indexes, or the reason it
// cannot be. Pure, so the loader's decisions are unit-testable without Elasticsearch.

export interface LineTags {
  /** Replaces each record's workload_id; required for conversation-format lines. */
  workloadId?: string;
  /** Replaces each record's client_id; conversation-format lines default to "default". */
  clientId?: string;
}

export type ParsedLine =
  | { ok: true; id: string; document: Record<string, unknown> }
  | { ok: false; reason: string }
  | { ok: 'blank' };

/** Longest piece of user input quoted in a reason: a refusal must not print a 40,000-character value back. */
export const MAX_QUOTED = 120;

export function clip(text: string, max = MAX_QUOTED): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

function describeIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid record';
  const path = issue.path.map(String).join('.');
  return clip(path ? `${path}: ${issue.message}` : issue.message, 300);
}

/**
 * A deterministic document id: the same line (with the same tags) always gets the same id,
 * so loading a file twice adds nothing.
 */
export function documentId(line: string, workloadId: string, clientId: string): string {
  return createHash('sha256')
    .update(workloadId)
    .update('\0')
    .update(clientId)
    .update('\0')
    .update(line)
    .digest('base64url')
    .slice(0, 32);
}

export function parseLogLine(raw: string, tags: LineTags, now: () => Date = () => new Date()): ParsedLine {
  const line = raw.trim();
  if (line.length === 0) return { ok: 'blank' };
  const scanned = scanJson(line);
  if (scanned?.kind === 'depth') {
    return {
      ok: false,
      reason: `nested more than ${scanned.limit} levels deep (objects and arrays inside each other)`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${clip((err as Error).message)})` };
  }
  if (scanned?.kind === 'number') return { ok: false, reason: `the number ${clip(scanned.text, 40)} ${scanned.why}` };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  let candidate = value as Record<string, unknown>;

  if (isConversationLine(candidate)) {
    if (!tags.workloadId) {
      return { ok: false, reason: 'a conversation-format line needs a workload id (--workload-id)' };
    }
    const conversation = ConversationSchema.safeParse(candidate);
    if (!conversation.success) return { ok: false, reason: describeIssue(conversation.error) };
    candidate = conversationToLogRecord(conversation.data, {
      workloadId: tags.workloadId,
      clientId: tags.clientId ?? 'default',
      timestamp: now().toISOString(),
    });
  } else {
    if (tags.workloadId) candidate = { ...candidate, workload_id: tags.workloadId };
    if (tags.clientId) candidate = { ...candidate, client_id: tags.clientId };
  }

  const envelope = LogEnvelopeSchema.safeParse(candidate);
  if (!envelope.success) return { ok: false, reason: describeIssue(envelope.error) };
  // Retrieval records (pipeline/retrieval-log.ts) are checked in full here: nothing later
  // re-validates them one by one.
  if (isRetrievalLine(candidate)) {
    const problem = retrievalRecordProblem(candidate);
    if (problem) return { ok: false, reason: clip(problem, 300) };
  }
  const document = { ...candidate, timestamp: timestampToIso(envelope.data.timestamp) as string };
  return { ok: true, id: documentId(line, envelope.data.workload_id, envelope.data.client_id), document };
}
