import { z } from 'zod';

// The conversation format (`{"messages": [...], "tools"?: [...]}`, one conversation per line,
// as fine-tuning sets are usually written) turned into a log record: every message but the
// last is the request, the last one is the answer. Upstream's loader accepts it the same way.

export const ConversationSchema = z
  .object({
    messages: z
      .array(z.object({ role: z.string().min(1) }).loose())
      .min(2, 'must hold at least two messages (the request and the answer)'),
    tools: z.array(z.unknown()).optional(),
  })
  .loose();

export type Conversation = z.infer<typeof ConversationSchema>;

/** True for a line that looks like the conversation format rather than a log record. */
export function isConversationLine(value: Record<string, unknown>): boolean {
  return 'messages' in value && !('request' in value) && !('response' in value);
}

const wordCount = (content: unknown) =>
  typeof content === 'string' ? content.split(/\s+/).filter((w) => w.length > 0).length : 0;

export function conversationToLogRecord(
  conversation: Conversation,
  tags: { workloadId: string; clientId: string; timestamp: string },
): Record<string, unknown> {
  const messages = conversation.messages;
  const answer = messages[messages.length - 1] as Conversation['messages'][number];
  const history = messages.slice(0, -1);
  const created = Math.floor(Date.parse(tags.timestamp) / 1000);
  const promptTokens = history.reduce((n, m) => n + wordCount(m.content), 0);
  const completionTokens = wordCount(answer.content);
  return {
    timestamp: tags.timestamp,
    workload_id: tags.workloadId,
    client_id: tags.clientId,
    request: {
      model: 'not-a-model',
      messages: history,
      ...(conversation.tools ? { tools: conversation.tools } : {}),
    },
    response: {
      id: `chatcmpl-${created}`,
      object: 'chat.completion',
      created,
      model: 'not-a-model',
      choices: [{ index: 0, message: answer, finish_reason: answer.tool_calls ? 'tool_calls' : 'stop' }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    },
  };
}
