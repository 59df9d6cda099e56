// How a model reads worked examples out of its system prompt: `<example>` blocks with
// `User:`, `Assistant:` and `Tool calls:` lines, the plain few-shot layout a real model would
// follow. The emulator's own reader: a test double shares no code with the system it tests.

export interface PromptExample {
  user: string[];
  answer: string;
  toolCalls: { name: unknown; arguments: unknown }[];
}

const START = '<example>';
const END = '</example>';

/** Every readable example block; a block the model cannot read is skipped. */
export function readPromptExamples(systemContent: string): PromptExample[] {
  const examples: PromptExample[] = [];
  for (const block of systemContent.split(START).slice(1)) {
    const endAt = block.indexOf(END);
    if (endAt < 0) continue;
    const example: PromptExample = { user: [], answer: '', toolCalls: [] };
    for (const line of block.slice(0, endAt).split('\n')) {
      if (line.startsWith('User: ')) example.user.push(line.slice(6));
      else if (line.startsWith('Assistant: ')) example.answer = line.slice(11);
      else if (line.startsWith('Tool calls: ')) {
        try {
          const calls = JSON.parse(line.slice(12));
          if (Array.isArray(calls)) example.toolCalls = calls;
        } catch {
          // unreadable calls: the example still shows its user turns
        }
      }
    }
    if (example.user.length > 0) examples.push(example);
  }
  return examples;
}

/** The system prompt with its example blocks taken out (what the instructions say). */
export function withoutPromptExamples(system: string): string {
  return system.replace(/<example>[\s\S]*?<\/example>/g, ' ');
}
