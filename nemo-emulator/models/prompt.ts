import { z } from 'zod';
import { contentText, type Exemplar, exemplarsFromSystemPrompt } from './exemplars';
import { withoutPromptExamples } from './prompt-examples';

// The OpenAI chat-completion request the NIM proxy accepts, and the parts of it a student
// model reads: the system text (with any in-context examples), the user turns, the tools.

const MessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
    tool_calls: z.array(z.unknown()).nullish(),
    tool_call_id: z.string().optional(),
    name: z.string().optional(),
  })
  .loose();

const ToolSchema = z
  .object({
    type: z.literal('function').optional(),
    function: z
      .object({
        name: z.string().min(1),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();

export const ChatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(MessageSchema).min(1),
    tools: z.array(ToolSchema).nullish(),
    tool_choice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
      ])
      .nullish(),
    max_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
  })
  .loose();

export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export interface ToolParameter {
  name: string;
  type?: string;
  enum?: unknown[];
  description?: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  parameters: ToolParameter[];
  required: string[];
}

export interface PromptView {
  system: string;
  userText: string;
  contextText: string;
  tools: ToolSpec[];
  toolChoice: ChatRequest['tool_choice'];
  examples: Exemplar[];
}

export function viewOf(request: ChatRequest): PromptView {
  const system = request.messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => contentText(m.content))
    .join('\n');
  const users = request.messages.filter((m) => m.role === 'user').map((m) => contentText(m.content));
  return {
    system,
    userText: users[users.length - 1] ?? '',
    // Argument values come from the request itself, not from the examples shown with it.
    contextText: [withoutIclExamples(system), ...users].join('\n'),
    tools: (request.tools ?? []).map(toolSpec),
    toolChoice: request.tool_choice,
    examples: exemplarsFromSystemPrompt(system),
  };
}

function toolSpec(tool: z.infer<typeof ToolSchema>): ToolSpec {
  const params = tool.function.parameters ?? {};
  const properties = (params.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(params.required) ? params.required.map(String) : [];
  return {
    name: tool.function.name,
    description: tool.function.description ?? '',
    parameters: Object.entries(properties).map(([name, p]) => ({
      name,
      type: typeof p?.type === 'string' ? p.type : undefined,
      enum: Array.isArray(p?.enum) ? p.enum : undefined,
      description: typeof p?.description === 'string' ? p.description : undefined,
    })),
    required,
  };
}

export const LABEL_PATTERN = /\[\[\[(.*?)\]\]\]/g;

export function labelsIn(text: string): string[] {
  return [...text.matchAll(LABEL_PATTERN)].map((m) => (m[1] ?? '').trim()).filter(Boolean);
}

function withoutIclExamples(system: string): string {
  // the sentence introducing the examples says nothing about the task
  return withoutPromptExamples(system).replace(/^[^\n]*\bexamples?\b[^\n]*$/im, ' ');
}
