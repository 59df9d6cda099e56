import type { ResolvedWorkloadType } from '../contracts';
import {
  type ChatRequest,
  ChatRequestSchema,
  type ChatResponse,
  ChatResponseSchema,
  contentText,
  type LogEnvelope,
  LogEnvelopeSchema,
  type LogRecord,
  type ToolCall,
} from './log-record';
import { fastParseRecord } from './log-record-fast';
import { classificationLabel } from './workload-type';

/** Why a record was left out of the datasets; every rejection is counted under one of these. */
export const REJECTION_REASONS = [
  'invalid_envelope',
  'invalid_request',
  'invalid_response',
  'too_many_tool_properties',
  'empty_response',
  'no_tool_calls',
  'tool_call_not_function',
  'invalid_tool_arguments',
  'missing_tools',
  'missing_label',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface ValidationOptions {
  workloadType: ResolvedWorkloadType;
  /** Parse string `function.arguments` into objects (a record whose arguments do not parse is rejected). */
  parseFunctionArguments: boolean;
  /** NIM rejects tools with more parameters than this; upstream's limit is 8. */
  maxToolProperties: number;
}

export const DEFAULT_MAX_TOOL_PROPERTIES = 8;

export type ValidationResult = { ok: true; record: LogRecord } | { ok: false; reason: RejectionReason; detail: string };

const rejection = (reason: RejectionReason, detail: string) => ({ ok: false as const, reason, detail });
const reject = (reason: RejectionReason, detail: string): ValidationResult => rejection(reason, detail);

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return prefix;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}

/**
 * Checks one exported record and returns it normalised (tool-call arguments parsed when
 * configured), or the reason it cannot be used. Never mutates its input.
 */
export function validateRecord(raw: unknown, options: ValidationOptions): ValidationResult {
  const parsed = fastParseRecord(raw) ?? parseWithZod(raw);
  if (!('envelope' in parsed)) return parsed;
  const { envelope, request, response } = parsed;

  for (const tool of request.tools ?? []) {
    const count = Object.keys(tool.function.parameters?.properties ?? {}).length;
    if (count > options.maxToolProperties) {
      return reject(
        'too_many_tool_properties',
        `tool ${tool.function.name} has ${count} parameters (limit ${options.maxToolProperties})`,
      );
    }
  }

  const choice = response.choices[0] as (typeof response.choices)[number];
  const message = choice.message;
  const calls = message.tool_calls ?? [];
  let parsedCalls: ToolCall[] | undefined;
  if (calls.length > 0) {
    const normalised = normaliseToolCalls(calls, options.parseFunctionArguments);
    if (!Array.isArray(normalised)) return normalised;
    parsedCalls = normalised;
  }

  const text = contentText(message.content).trim();
  switch (options.workloadType) {
    case 'tool_calling':
      if (!parsedCalls) return reject('no_tool_calls', 'the response makes no tool call');
      if (!request.tools || request.tools.length === 0) {
        return reject('missing_tools', 'the request declares no tools, so no training row can be built');
      }
      break;
    case 'classification':
      if (classificationLabel(text) === undefined) {
        return reject('missing_label', 'the response content has no [[[label]]]');
      }
      break;
    case 'generic':
      if (!text && !parsedCalls) return reject('empty_response', 'the response has neither content nor tool calls');
      break;
  }

  const record: LogRecord = {
    ...envelope,
    request: request,
    response: parsedCalls
      ? {
          ...response,
          choices: [{ ...choice, message: { ...message, tool_calls: parsedCalls } }, ...response.choices.slice(1)],
        }
      : response,
  };
  return { ok: true, record };
}

/** The zod schemas in turn: the parse, or the first precise reason the record is unusable. */
function parseWithZod(
  raw: unknown,
): { envelope: LogEnvelope; request: ChatRequest; response: ChatResponse } | Extract<ValidationResult, { ok: false }> {
  const envelope = LogEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return rejection('invalid_envelope', firstIssue(envelope.error, 'record'));
  const request = ChatRequestSchema.safeParse(envelope.data.request);
  if (!request.success) return rejection('invalid_request', firstIssue(request.error, 'request'));
  const response = ChatResponseSchema.safeParse(envelope.data.response);
  if (!response.success) return rejection('invalid_response', firstIssue(response.error, 'response'));
  return { envelope: envelope.data, request: request.data, response: response.data };
}

function normaliseToolCalls(calls: ToolCall[], parse: boolean): ToolCall[] | ValidationResult {
  const out: ToolCall[] = [];
  for (const call of calls) {
    if (call.type !== 'function') {
      return reject(
        'tool_call_not_function',
        `tool call ${call.function.name} has type ${JSON.stringify(call.type)}, expected "function"`,
      );
    }
    let args = call.function.arguments;
    if (typeof args === 'string' && parse) {
      try {
        args = JSON.parse(args);
      } catch {
        return reject('invalid_tool_arguments', `arguments of ${call.function.name} are not valid JSON`);
      }
    }
    const isObject = args !== null && typeof args === 'object' && !Array.isArray(args);
    if (!isObject && !(typeof args === 'string' && !parse)) {
      return reject('invalid_tool_arguments', `arguments of ${call.function.name} are not a JSON object`);
    }
    out.push(args === call.function.arguments ? call : { ...call, function: { ...call.function, arguments: args } });
  }
  return out;
}

/** Counts per reason, every reason present (zero when nothing was rejected for it). */
export function emptyRejectionCounts(): Record<RejectionReason, number> {
  return Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
}
