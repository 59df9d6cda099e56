import fc from 'fast-check';
import { textRecord, toolRecord } from './fixtures';

// Malformed variants of valid log records: a field removed or replaced by an arbitrary JSON
// value, at paths where production logs actually go wrong.

const PATHS = [
  'timestamp',
  'workload_id',
  'client_id',
  'request',
  'request.messages',
  'request.messages.0',
  'request.messages.0.role',
  'request.messages.0.content',
  'request.messages.1.content',
  'request.tools',
  'request.tools.0',
  'request.tools.0.function',
  'request.tools.0.function.name',
  'request.tools.0.function.parameters',
  'request.tools.0.function.parameters.properties',
  'response',
  'response.choices',
  'response.choices.0',
  'response.choices.0.message',
  'response.choices.0.message.content',
  'response.choices.0.message.tool_calls',
  'response.choices.0.message.tool_calls.0',
  'response.choices.0.message.tool_calls.0.type',
  'response.choices.0.message.tool_calls.0.function',
  'response.choices.0.message.tool_calls.0.function.name',
  'response.choices.0.message.tool_calls.0.function.arguments',
] as const;

function mutate(record: unknown, path: string, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(record) as Record<string, unknown>;
  const keys = path.split('.');
  let node: unknown = copy;
  for (const key of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return copy;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object') return copy;
  const last = keys[keys.length - 1] as string;
  if (remove) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
  return copy;
}

const base = fc.constantFrom<unknown>(
  toolRecord('Where is order A-1?'),
  toolRecord('Return A-2', { name: 'initiate_return', arguments: '{"order_id":"A-2"}' }),
  textRecord('What is the travel policy?', 'Book 14 days ahead.'),
  textRecord('Headline: rates hold', 'Central banks. [[[monetary_policy]]]'),
);

export const malformedRecord: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(base, fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 2 }), fc.boolean())
    .map(([record, path, value, remove]) => mutate(record, path, value, remove)),
  fc
    .tuple(
      base,
      fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 1 })), { minLength: 2, maxLength: 4 }),
    )
    .map(([record, edits]) => edits.reduce((r, [path, value]) => mutate(r, path, value, false), record)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A JSONL line: a malformed record, or a line broken as text (cut short, stray bytes). */
export const malformedLine: fc.Arbitrary<string> = fc.oneof(
  malformedRecord.map((r) => JSON.stringify(r) ?? 'undefined'),
  fc.tuple(malformedRecord, fc.nat()).map(([r, cut]) => {
    const text = JSON.stringify(r) ?? '';
    return text.slice(0, cut % Math.max(text.length, 1));
  }),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ' ')),
);
