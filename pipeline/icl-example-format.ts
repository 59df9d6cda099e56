// How in-context examples are written into a system message, and read back. The pipeline
// writes them (ICL eval dataset); the NeMo emulator's student models read them, as a real
// model reads the examples in its prompt. One module so both sides agree on the text.

export interface IclExample {
  /** The user turns of the example conversation, in order. */
  user: string[];
  /** The assistant's answer text (may be empty when it answered with tool calls). */
  answer: string;
  /** The assistant's tool calls, arguments as parsed objects. */
  toolCalls: { name: string; arguments: Record<string, unknown> }[];
}

export const ICL_PREAMBLE =
  'You are a helpful assistant. Below are examples of requests and the responses expected for them; answer new requests the same way.';

const START = '<example>';
const END = '</example>';

export function formatIclExample(example: IclExample): string {
  const lines = [START];
  for (const u of example.user) lines.push(`User: ${oneLine(u)}`);
  if (example.answer) lines.push(`Assistant: ${oneLine(example.answer)}`);
  if (example.toolCalls.length > 0) lines.push(`Tool calls: ${JSON.stringify(example.toolCalls)}`);
  lines.push(END);
  return lines.join('\n');
}

/** The system message content with examples injected ahead of the original instructions. */
export function injectIclExamples(original: string | undefined, examples: string[]): string {
  const parts = [ICL_PREAMBLE, ...examples];
  if (original?.trim()) parts.push(original);
  return parts.join('\n\n');
}

/** Reads back every well-formed example block; malformed blocks are ignored. */
export function parseIclExamples(systemContent: string): IclExample[] {
  const examples: IclExample[] = [];
  for (const block of systemContent.split(START).slice(1)) {
    const endAt = block.indexOf(END);
    if (endAt < 0) continue;
    const example: IclExample = { user: [], answer: '', toolCalls: [] };
    for (const line of block.slice(0, endAt).split('\n')) {
      if (line.startsWith('User: ')) example.user.push(line.slice(6));
      else if (line.startsWith('Assistant: ')) example.answer = line.slice(11);
      else if (line.startsWith('Tool calls: ')) {
        try {
          const calls = JSON.parse(line.slice(12));
          if (Array.isArray(calls)) example.toolCalls = calls;
        } catch {
          // a model would ignore an example it cannot read; so does the parser
        }
      }
    }
    if (example.user.length > 0) examples.push(example);
  }
  return examples;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
