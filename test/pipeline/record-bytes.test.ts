import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type PackedPage, packPage, packRawPage } from '../../pipeline/packed-page';
import { scanSearchPage } from '../../pipeline/raw-page';
import { RecordBytes } from '../../pipeline/record-bytes';
import type { ProcessOptions, RecordCutoffs } from '../../pipeline/record-processing';
import { generateRecords } from '../../scripts/generate-samples';
import { cursorOf, parseSearchPage } from '../../stores/search-page';
import { textRecord, toolRecord } from './fixtures';
import { malformedRecord } from './malformed';

// The record workers' byte path (raw-page.ts, record-bytes.ts, packRawPage) must be
// invisible: for every page it gives exactly what JSON.parse of the page and packPage give
// (training lines byte for byte, keys, priorities, classes, rejections, kept records), and
// the records it is not sure of take the JSON.parse path and come out the same.

const tool: ProcessOptions = {
  workloadType: 'tool_calling',
  parseFunctionArguments: true,
  maxToolProperties: 8,
  seed: 's',
};
const generic: ProcessOptions = { ...tool, workloadType: 'generic' };
const classification: ProcessOptions = { ...tool, workloadType: 'classification' };

/** No record may still be kept: every one the byte path is sure of stays on it. */
const NONE_KEPT: RecordCutoffs = { pool: -1, eval: new Proxy({}, { get: () => -1 }) };
/** Some records may be kept (they take the JSON.parse path for their JSON). */
const SOME_KEPT: RecordCutoffs = { pool: 0.2, eval: new Proxy({}, { get: () => 0.1 }) };

const page = (sources: string[], pit = '"pit-1"') =>
  `{"pit_id":${pit},"hits":{"hits":[${sources
    .map((s, i) => `{"_id":"doc-${i}","_source":${s},"sort":[${1_000_000 - i},${i}]}`)
    .join(',')}]}}`;

const comparable = (p: PackedPage) => ({
  ...p,
  lines: Buffer.from(p.lines).toString('utf8'),
  lineEnds: Array.from(p.lineEnds),
  priorities: Array.from(p.priorities),
});

/** Both paths over one page; returns how many records the byte path took. */
function both(sources: string[], options: ProcessOptions, cutoffs = NONE_KEPT, take = sources.length) {
  const text = page(sources);
  const body = Buffer.from(text);
  const parsed = parseSearchPage(text);
  const fast = new RecordBytes(options);
  const stats = { fast: 0, parsed: 0 };
  let bytes: PackedPage | undefined;
  // twice: the second time the page scanner knows the page's tools
  for (let round = 0; round < 2; round++) {
    const raw = scanSearchPage(body, fast.knownTools);
    if (!raw) throw new Error('page not recognised');
    expect(raw.cursor).toEqual(cursorOf(parsed));
    const again = packRawPage(body, raw, take, options, cutoffs, fast, round === 0 ? stats : undefined);
    if (bytes) expect(comparable(again)).toEqual(comparable(bytes));
    bytes = again;
  }
  if (!bytes) throw new Error('no page');
  const reference = packPage(parsed.hits.slice(0, take), options, cutoffs, body.length);
  expect(comparable(bytes)).toEqual(comparable(reference));
  return stats;
}

/** Whether the byte path takes this one record (with the given options). */
function takes(source: string, options = tool): boolean {
  const body = Buffer.from(source);
  return new RecordBytes(options).process(body, 0, body.length) !== undefined;
}

const generated = (workload: 'tool_calling' | 'classification' | 'generic', seed: number, count = 300) =>
  [
    ...generateRecords({
      workload,
      count,
      seed,
      clientId: 'c',
      defects: 0.1,
      repeats: 0.1,
      end: 1_767_225_600,
      spacing: 3,
    }),
  ].map((r) => JSON.stringify(r));

/** A tool-calling record with history: a text-argument call, a tool turn, a second user turn. */
const base = () => ({
  timestamp: '2026-01-01T00:00:00Z',
  workload_id: 'support',
  client_id: 'c',
  request: {
    model: 'm',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Where is order A-1?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_order', arguments: '{"id":"A-1"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' },
      { role: 'user', content: 'And B-2?' },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_order',
          description: 'Look up an order',
          parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        },
      },
    ],
    temperature: 0.2,
  },
  response: {
    id: 'r',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_order', arguments: '{"id":"B-2"}' } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { total_tokens: 12 },
  },
});
type Base = ReturnType<typeof base>;
type Call = { id?: string; type?: string; function: { name: string; arguments: unknown } };
type Message = { role: string; content?: unknown; tool_calls?: Call[]; [key: string]: unknown };
const messages = (r: Base) => r.request.messages as Message[];
/** The history's call (the assistant turn's) and the answer's. */
const historyCall = (r: Base) => ((messages(r)[2] as Message).tool_calls as Call[])[0] as Call;
const answer = (r: Base) => (r.response.choices[0] as { message: Message }).message;
const answerCall = (r: Base) => (answer(r).tool_calls as Call[])[0] as Call;
const variant = (change: (r: Base) => void) => {
  const r = base();
  change(r);
  return JSON.stringify(r);
};
const BASE = JSON.stringify(base());

describe('the byte path of the record workers', () => {
  test('generated records of every workload: mostly taken, identical to JSON.parse + packPage', () => {
    for (const [workload, options] of [
      ['tool_calling', tool],
      ['classification', classification],
      ['generic', generic],
    ] as const) {
      const sources = generated(workload, 21);
      const stats = both(sources, options);
      expect(stats.fast).toBeGreaterThan(sources.length * 0.7);
      // every record after the pool and eval cut-offs: the kept ones take the JSON.parse path
      const some = both(sources, options, SOME_KEPT);
      expect(some.parsed).toBeGreaterThan(stats.parsed);
      expect(some.fast).toBeGreaterThan(0);
      // arguments left as text, a low property limit, fewer records than the page holds
      both(sources, { ...options, parseFunctionArguments: false });
      both(sources, { ...options, maxToolProperties: 2 });
      both(sources, options, NONE_KEPT, 123);
    }
  });

  test('records it rewrites or copies: taken, and identical', () => {
    const taken = [
      BASE,
      // an assistant turn without content gets "" last (the spread adds it)
      variant((r) => {
        delete messages(r)[2]?.content;
      }),
      // text arguments that parse to an array, or do not parse: as formatting leaves them
      variant((r) => {
        historyCall(r).function.arguments = '[1,2]';
      }),
      variant((r) => {
        historyCall(r).function.arguments = '{"id": "A-';
      }),
      // object arguments with numbers, in the history and the answer
      variant((r) => {
        historyCall(r).function.arguments = { id: 'A-1', n: 1.5, m: -3, z: 0, big: 123456789012345, t: true, x: null };
        answerCall(r).function.arguments = { id: 'B-2', q: 0.25 };
      }),
      // escapes JSON.stringify writes, raw UTF-8, control characters
      variant((r) => {
        (messages(r)[1] as Message).content = 'line\nnext\t"quoted" back\\slash \u0001 é 日本語 😀 \u2028';
      }),
      // keys the schemas do not know, after the ones they do
      variant((r) => {
        Object.assign(messages(r)[1] as Message, { name: 'bob', extra: { a: [1, 'x'] } });
      }),
      // several calls in the answer: the class is their sorted names
      variant((r) => {
        (answer(r).tool_calls as Call[]).push({
          id: 'c3',
          type: 'function',
          function: { name: 'cancel', arguments: '{}' },
        });
      }),
      // no user text: no dedup key
      variant((r) => {
        r.request.messages = r.request.messages.filter((m) => m.role !== 'user');
      }),
      // an empty user turn is not hashed
      variant((r) => {
        (messages(r)[4] as Message).content = '';
      }),
    ];
    for (const source of taken) expect(takes(source)).toBe(true);
    const stats = both(taken, tool);
    // only the one without a dedup key: its priority comes from its index, so it may be kept
    expect(stats.parsed).toBe(1);
    both(taken, { ...tool, parseFunctionArguments: false });

    const generics = [
      variant((r) => {
        r.request.tools = null as never;
        (r.response.choices[0] as { message: unknown }).message = { role: 'assistant', content: '  The answer. ' };
      }),
      variant((r) => {
        (r.response.choices[0] as { message: unknown }).message = { role: 'assistant', content: null };
      }),
      JSON.stringify(textRecord('hi', 'hello')),
    ];
    expect(takes(generics[0] as string, generic)).toBe(true);
    both(generics, generic);
  });

  test('records it is not sure of take the JSON.parse path and come out the same', () => {
    const replace = (from: string, to: string) => {
      if (!BASE.includes(from)) throw new Error(`no ${from}`);
      return BASE.replace(from, to);
    };
    const unsure = [
      // escapes JSON.stringify does not write, numbers it writes otherwise
      replace('Be brief.', 'Be\\/brief.'),
      replace('Be brief.', 'Be \\u00e9brief.'),
      replace('Be brief.', 'Be \\u001Fbrief.'),
      replace('Be brief.', 'Be \\ud83d\\ude00 brief.'),
      variant((r) => {
        historyCall(r).function.arguments = { n: 1 };
      }).replace('{"n":1}', '{"n":1.0}'),
      variant((r) => {
        historyCall(r).function.arguments = { n: 1 };
      }).replace('{"n":1}', '{"n":-0}'),
      // duplicate keys (JSON.parse keeps the last), array-index and __proto__ keys
      replace('{"role":"system","content":"Be brief."}', '{"role":"system","content":"Be brief.","content":"x"}'),
      replace('"client_id":"c"', '"client_id":"c","client_id":"d"'),
      replace('{"role":"system","content":"Be brief."}', '{"role":"system","content":"Be brief.","0":1}'),
      replace('{"role":"system","content":"Be brief."}', '{"role":"system","content":"Be brief.","__proto__":{"a":1}}'),
      // user text as content parts
      replace('"content":"Where is order A-1?"', '"content":[{"type":"text","text":"Where is order A-1?"}]'),
      // rejected ones: no tools, a call of another type, arguments that do not parse, no call
      replace('"tools":[', '"tools":null,"x":['),
      replace('"id":"call_2","type":"function"', '"id":"call_2","type":"other"'),
      replace('"arguments":"{\\"id\\":\\"B-2\\"}"', '"arguments":"{\\"id\\":"'),
      replace('"tool_calls":[{"id":"call_2"', '"tool_calls":[],"x":[{"id":"call_2"'),
      replace('"timestamp":"2026-01-01T00:00:00Z"', '"timestamp":"2026-02-30"'),
      replace('"workload_id":"support"', '"workload_id":""'),
      replace('"role":"system"', '"role":"robot"'),
      '[1,2]',
      'null',
      '"text"',
    ];
    // what the training line does not copy may be written any way: the tools are parsed (and
    // reordered by validation), other fields only checked
    const alsoTaken = [
      replace('"temperature":0.2', '"temperature":2e-1'),
      replace('"parameters":{"type":"object","properties"', '"parameters":{"properties"').replace(
        ',"required":["id"]',
        ',"type":"object","required":["id"]',
      ),
      replace('"usage":{"total_tokens":12}', '"usage":{"total_tokens":12,"total_tokens":13,"0":1}'),
      // a message's keys out of the schema's order: validation puts them in its order, so does the byte path
      replace('{"role":"system","content":"Be brief."}', '{"content":"Be brief.","role":"system"}'),
      replace('{"role":"system","content":"Be brief."}', '{"name":"x","role":"system","content":"Be brief."}'),
      replace(
        '{"role":"assistant","content":null,"tool_calls":[{"id":"call_1"',
        '{"x":1,"tool_calls":[{"id":"call_1"',
      ).replace('"arguments":"{\\"id\\":\\"A-1\\"}"}}]}', '"arguments":"{\\"id\\":\\"A-1\\"}"}}],"role":"assistant"}'),
      replace('"content":null,"tool_calls":[{"id":"call_1"', '"tool_calls":[{"id":"call_1"').replace(
        '"arguments":"{\\"id\\":\\"A-1\\"}"}}]}',
        '"arguments":"{\\"id\\":\\"A-1\\"}"}}],"role2":true,"content":null}',
      ),
    ];
    for (const source of alsoTaken) expect(takes(source)).toBe(true);
    both(alsoTaken, tool);
    // whitespace: Elasticsearch writes none; a record with some takes the JSON.parse path
    const spaced = replace('{"role":"system"', '{ "role" : "system"');
    expect(takes(spaced)).toBe(false);
    expect(both([spaced, BASE], tool)).toEqual({ fast: 1, parsed: 1 });
    for (const source of unsure) {
      JSON.parse(source);
      expect([source, takes(source)]).toEqual([source, false]);
    }
    // alone, and among records it takes (the tools' text is kept between records)
    const stats = both(unsure, tool);
    expect(stats.fast).toBe(0);
    both([BASE, ...unsure, BASE], tool);
    both(unsure, generic);
  });

  test('fixtures, 3,000 malformed variants and the nasty-log corpus: identical', () => {
    const sources = [
      JSON.stringify(textRecord('hi', 'hello')),
      JSON.stringify(toolRecord('Where is A-1?')),
      ...fc.sample(malformedRecord, { numRuns: 3_000, seed: 15 }).map((r) => JSON.stringify(r)),
    ];
    for (const options of [tool, generic, classification]) {
      for (let i = 0; i < sources.length; i += 500) both(sources.slice(i, i + 500), options);
    }
    const dir = join(__dirname, 'nasty-logs', 'files');
    const lines: string[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split(/\r\n|\r|\n/)) {
        try {
          const value = JSON.parse(line);
          JSON.stringify(value);
          if (line.length < 100_000) lines.push(line);
        } catch {
          // not JSON, or too deep to write back: never a record in Elasticsearch
        }
      }
    }
    expect(lines.length).toBeGreaterThan(50);
    // one page per line: a line the page scanner refuses must not hide the others
    for (const line of lines) {
      const text = page([line]);
      if (scanSearchPage(Buffer.from(text))) for (const options of [tool, generic]) both([line], options);
    }
  });

  test('the page scanner: the cursor JSON.parse gives, or nothing for a page it does not recognise', () => {
    const sources = generated('tool_calling', 5, 20);
    for (const text of [page(sources), page([]), page(sources, '""'), '{}', '{"hits":{"hits":[]}}']) {
      const raw = scanSearchPage(Buffer.from(text));
      expect(raw?.cursor).toEqual(cursorOf(parseSearchPage(text)));
    }
    const withoutSort = `{"hits":{"hits":[{"_id":"a","_source":${BASE}}]}}`;
    expect(scanSearchPage(Buffer.from(withoutSort))?.cursor).toEqual({ hits: 1 });
    for (const text of [
      ` ${page(sources)}`,
      page(sources).replace('"hits":[', '"hits": ['),
      '{"hits":{"hits":null}}',
      '{"hits":{"hits":[]},"hits":{"hits":[]}}',
      '{"pit_id":5,"hits":{"hits":[]}}',
      `{"hits":{"hits":[{"_id":7,"_source":${BASE}}]}}`,
    ]) {
      expect([text.slice(0, 40), scanSearchPage(Buffer.from(text))]).toEqual([text.slice(0, 40), undefined]);
    }
    // not UTF-8: the whole page goes to TextDecoder and JSON.parse as before
    const body = Buffer.from(page([BASE]));
    body[body.indexOf('Be brief.')] = 0xff;
    expect(scanSearchPage(body)).toBeUndefined();
    // not JSON: outside the records the page scanner leaves it to JSON.parse; a record's bytes
    // are read by the byte path or JSON.parse, which throws, also past the limit
    expect(scanSearchPage(Buffer.from('{"hits":{"hits":[{"_source":{}}]},"x":tru}'))).toBeUndefined();
    for (const [text, take] of [
      ['{"hits":{"hits":[{"_source":{"a":tru}}]}}', 1],
      [`{"hits":{"hits":[{"_source":${BASE}},{"_source":{"a":[}]}]}}`, 1],
    ] as const) {
      const bad = Buffer.from(text);
      const raw = scanSearchPage(bad);
      if (!raw) throw new Error('page not recognised');
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => packRawPage(bad, raw, take, tool, NONE_KEPT, new RecordBytes(tool))).toThrow(SyntaxError);
    }
  });
});
