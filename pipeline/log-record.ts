import { z } from 'zod';

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

/** Epoch seconds, epoch milliseconds (as number or digit string) or an ISO-8601 string. */
export const TimestampSchema = z
  .union([z.number().finite().nonnegative(), z.string().min(1)])
  .refine((value) => timestampToMillis(value) !== undefined, {
    message: 'is not a time (expected epoch seconds, epoch milliseconds or an ISO-8601 string)',
  });

/** The envelope the loader accepts; the request/response contents are checked by validation. */
export const LogEnvelopeSchema = z
  .object({
    timestamp: TimestampSchema,
    workload_id: z.string().min(1),
    client_id: z.string().min(1),
    request: z.record(z.string(), z.unknown()),
    response: z.record(z.string(), z.unknown()),
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

/** Epoch values below this are seconds (it is 1973 in milliseconds, 5138 in seconds). */
const SECONDS_LIMIT = 1e11;

/** Dates Elasticsearch and `Date` both represent (years 0 to 9999). */
const MAX_MILLIS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Milliseconds since the epoch, or undefined when the value is not a recognisable time. */
export function timestampToMillis(value: number | string): number | undefined {
  let millis: number;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    millis = n < SECONDS_LIMIT ? n * 1000 : n;
  } else {
    // only ISO-8601-looking strings: Date.parse also accepts free text such as "March 7"
    millis = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  }
  if (!Number.isFinite(millis) || millis < 0 || millis > MAX_MILLIS) return undefined;
  return Math.round(millis);
}

/** The timestamp as an ISO-8601 string (what the loader indexes), or undefined. */
export function timestampToIso(value: number | string): string | undefined {
  const millis = timestampToMillis(value);
  return millis === undefined ? undefined : new Date(millis).toISOString();
}

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
