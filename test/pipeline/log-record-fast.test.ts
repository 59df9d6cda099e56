import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ChatRequestSchema, ChatResponseSchema, LogEnvelopeSchema } from '../../pipeline/log-record';
import { fastParseRecord } from '../../pipeline/log-record-fast';
import { generateRecords } from '../../scripts/generate-samples';
import { textRecord, toolRecord } from './fixtures';
import { malformedRecord } from './malformed';

// The fast path of validation must be invisible: for every record it accepts, it returns
// exactly what the zod schemas return (same values, same key order, so the same JSON), and it
// accepts nothing zod rejects.

function zodParse(raw: unknown) {
  const envelope = LogEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return undefined;
  const request = ChatRequestSchema.safeParse(envelope.data.request);
  const response = ChatResponseSchema.safeParse(envelope.data.response);
  if (!request.success || !response.success) return undefined;
  return { envelope: envelope.data, request: request.data, response: response.data };
}

/** JSON with undefined values made visible, so key order and presence are both compared. */
function exact(value: unknown): string {
  try {
    return JSON.stringify(value, (_, v) => (v === undefined ? '<undefined>' : v));
  } catch (err) {
    // nested deeper than JSON.stringify goes (the corpus has such lines): compared as unprintable
    if (err instanceof RangeError) return '<too deep>';
    throw err;
  }
}

function compare(inputs: unknown[]): { fast: number; mismatches: unknown[] } {
  let fast = 0;
  const mismatches: unknown[] = [];
  for (const raw of inputs) {
    const mine = fastParseRecord(raw);
    if (mine === undefined) continue;
    fast++;
    const theirs = zodParse(raw);
    if (theirs === undefined || exact(mine) !== exact(theirs)) mismatches.push({ raw, mine, theirs });
  }
  return { fast, mismatches };
}

describe('the fast validation path', () => {
  test('generated records of every workload: taken for well-formed ones and identical to zod', () => {
    const inputs: unknown[] = [];
    for (const workload of ['tool_calling', 'classification', 'generic'] as const) {
      for (const r of generateRecords({
        workload,
        count: 200,
        seed: 7,
        clientId: 'c',
        defects: 0.1,
        repeats: 0.05,
        end: 1_767_225_600,
        spacing: 3,
      })) {
        inputs.push(JSON.parse(JSON.stringify(r)));
      }
    }
    const { fast, mismatches } = compare(inputs);
    expect(mismatches).toEqual([]);
    // it pays only if it is the common case
    expect(fast).toBeGreaterThan(inputs.length * 0.8);
  });

  test('fixtures and 5,000 malformed variants: never accepts what zod rejects, never differs', () => {
    const inputs = [
      textRecord('hi', 'hello'),
      toolRecord('Where is A-1?'),
      ...fc.sample(malformedRecord, { numRuns: 5_000, seed: 99 }),
    ];
    const { fast, mismatches } = compare(inputs);
    expect(mismatches).toEqual([]);
    expect(fast).toBeGreaterThan(0);
  });

  test('every line of the nasty-log corpus: identical to zod', () => {
    const dir = join(__dirname, 'nasty-logs', 'files');
    const inputs: unknown[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split(/\r\n|\r|\n/)) {
        try {
          inputs.push(JSON.parse(line.replace(/^\uFEFF/, '')));
        } catch {
          // not JSON: never reaches validation
        }
      }
    }
    const tricky = [
      { ...toolRecord('a'), ['__proto__']: { x: 1 } },
      JSON.parse(
        '{"__proto__": 1, "timestamp": 1, "workload_id": "w", "client_id": "c", "request": {}, "response": {}}',
      ),
      { ...toolRecord('b'), request: { ...toolRecord('b').request, model: undefined } },
    ];
    // keys in another order than the schemas': zod reorders them, so must the fast path
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const shuffled = [toolRecord('c'), textRecord('d', 'e'), ...inputs]
      .filter((v) => exact(v) !== '<too deep>')
      .map(reversed);
    const { fast, mismatches } = compare([...inputs, ...tricky, ...shuffled]);
    expect(fast).toBeGreaterThan(shuffled.length / 2);
    expect(mismatches).toEqual([]);
  });
});
