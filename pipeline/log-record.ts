import { z } from 'zod';
import { kindOf as kind, readTimestamp } from './timestamp';

// The shape of one production log: an OpenAI chat-completion request and its response, tagged
// with the application's client and workload. Unknown fields are kept (`loose`) so records
// round-trip unchanged into the eval datasets.

export const ToolCallSchema = z
  .object({
    id: z.string().optional(),
    type: z.string().optional(),
    function: z.object({ name: z.string().min(1), arguments: z.unknown() }).loose(),
  })
  .loose();

export const MessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
    tool_calls: z.array(ToolCallSchema).nullish(),
    tool_call_id: z.string().optional(),
  })
  .loose();

export const ToolSchema = z
  .object({
    type: z.string().optional(),
    function: z
      .object({
        name: z.string().min(1),
        parameters: z
          .object({ properties: z.record(z.string(), z.unknown()).optional() })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose();

export const ChatRequestSchema = z
  .object({
    model: z.string().optional(),
    messages: z.array(MessageSchema).min(1, 'must hold at least one message'),
    tools: z.array(ToolSchema).nullish(),
  })
  .loose();

export const ChatResponseSchema = z
  .object({
    choices: z.array(z.object({ message: MessageSchema }).loose()).min(1, 'must hold at least one choice'),
  })
  .loose();

/** Epoch seconds, epoch milliseconds (as number or digit string) or an ISO-8601 string (pipeline/timestamp.ts). */
export const TimestampSchema = z.custom<number | string>().superRefine((value, ctx) => {
  const result = readTimestamp(value);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.problem });
});

/** Longest workload_id / client_id: they are keyword terms and job parameters, not payloads. */
export const MAX_TAG_LENGTH = 256;

/** A tag: says whether it is missing, of the wrong type, empty or too long. */
const Tag = z.custom<string>().superRefine((value, ctx) => {
  const problem =
    value === undefined
      ? 'is missing'
      : typeof value !== 'string'
        ? `must be a string, not ${kind(value)}`
        : value.length === 0
          ? 'is empty'
          : value.length > MAX_TAG_LENGTH
            ? `is ${value.length} characters long, the limit is ${MAX_TAG_LENGTH}`
            : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A JSON object field: says whether it is missing or of the wrong type. */
const JsonObject = z.custom<Record<string, unknown>>().superRefine((value, ctx) => {
  const problem =
    value === undefined
      ? 'is missing'
      : value === null || typeof value !== 'object' || Array.isArray(value)
        ? `must be a JSON object, not ${kind(value)}`
        : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The envelope the loader accepts; the request/response contents are checked by validation. */
export const LogEnvelopeSchema = z
  .object({
    timestamp: TimestampSchema,
    workload_id: Tag,
    client_id: Tag,
    request: JsonObject,
    response: JsonObject,
  })
  .loose();

export const LogRecordSchema = LogEnvelopeSchema.extend({
  request: ChatRequestSchema,
  response: ChatResponseSchema,
});

export type ToolCall = z.infer<typeof ToolCallSchema>;
export type ChatMessage = z.infer<typeof MessageSchema>;
export type ChatRequest = z.infer<typeof ChatRequestSchema>;
export type ChatResponse = z.infer<typeof ChatResponseSchema>;
export type LogEnvelope = z.infer<typeof LogEnvelopeSchema>;
export type LogRecord = z.infer<typeof LogRecordSchema>;

export { timestampToIso, timestampToMillis } from './timestamp';

/** The text of a message's content; multimodal parts contribute their `text` fields. */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .filter((t) => t.length > 0)
    .join('\n');
}

export function userTurns(record: Pick<LogRecord, 'request'>): string[] {
  return record.request.messages.filter((m) => m.role === 'user').map((m) => contentText(m.content));
}

export function responseMessage(record: Pick<LogRecord, 'response'>): ChatMessage {
  // validation guarantees at least one choice
  return (record.response.choices[0] as { message: ChatMessage }).message;
}
