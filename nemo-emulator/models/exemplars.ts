import { z } from 'zod';
import { readPromptExamples } from './prompt-examples';

// What a student model can imitate: solved examples, either written into its prompt (ICL) or
// read from its training file (customization). Nothing else reaches the student.

export interface ExemplarCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface Exemplar {
  /** The request's last user turn: what similarity is judged on. */
  userText: string;
  /** Everything the example shows the model (system text, user turns): where argument values come from. */
  contextText: string;
  toolCalls: ExemplarCall[];
  answer: string;
}

export function exemplarsFromSystemPrompt(system: string): Exemplar[] {
  return readPromptExamples(system).map((e) => {
    const user = e.user.join('\n');
    return {
      userText: e.user[e.user.length - 1] ?? '',
      contextText: user,
      toolCalls: e.toolCalls.map((c) => ({ name: String(c.name), arguments: asObject(c.arguments) })),
      answer: e.answer,
    };
  });
}

const TrainingMessageSchema = z
  .object({
    role: z.string(),
    content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
    tool_calls: z
      .array(z.object({ function: z.object({ name: z.string(), arguments: z.unknown() }).loose() }).loose())
      .nullish(),
  })
  .loose();

export const TrainingLineSchema = z
  .object({ messages: z.array(TrainingMessageSchema).min(2), tools: z.array(z.unknown()).optional() })
  .loose();

/** A training line `{"messages": [..., assistant reply], "tools"?}` as an exemplar. */
export function exemplarFromTrainingLine(line: z.infer<typeof TrainingLineSchema>): Exemplar | undefined {
  const reply = line.messages[line.messages.length - 1];
  if (reply?.role !== 'assistant') return undefined;
  const prompt = line.messages.slice(0, -1);
  const users = prompt.filter((m) => m.role === 'user').map((m) => contentText(m.content));
  const system = prompt.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => contentText(m.content));
  return {
    userText: users[users.length - 1] ?? '',
    contextText: [...system, ...users].join('\n'),
    toolCalls: (reply.tool_calls ?? []).map((c) => ({
      name: c.function.name,
      arguments: asObject(c.function.arguments),
    })),
    answer: contentText(reply.content),
  };
}

export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

export function asObject(args: unknown): Record<string, unknown> {
  if (typeof args === 'string') {
    try {
      const parsed = JSON.parse(args);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }
  return args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
}
