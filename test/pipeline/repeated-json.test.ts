import { toTrainingRow } from '../../pipeline/formatting';
import type { LogRecord } from '../../pipeline/log-record';
import { trainLine } from '../../pipeline/record-processing';
import { RepeatedJson, sameJson } from '../../pipeline/repeated-json';

// Reusing the last text is only right when JSON.stringify would give the same text.

describe('sameJson', () => {
  test.each([
    [{ a: 1, b: [1, 'x', null, { c: true }] }, { a: 1, b: [1, 'x', null, { c: true }] }, true],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, false], // key order changes the text
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [[1, 2], [1, 2, 3], false],
    [{ a: [1] }, { a: { 0: 1 } }, false],
    [{ a: '1' }, { a: 1 }, false],
    [{ a: Number.NaN }, { a: Number.NaN }, false],
    [{ d: new Date(0) }, { d: new Date(0) }, false],
    [null, null, true],
    ['x', 'x', true],
  ])('%j vs %j: %s', (a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
    if (same) expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  test('one object twice is compared anew (it may have changed)', () => {
    const value = { a: 1 };
    expect(sameJson(value, value)).toBe(false);
  });
});

describe('RepeatedJson', () => {
  test('gives JSON.stringify of every value, reused or not', () => {
    const json = new RepeatedJson();
    const values = [{ a: [1, 2] }, { a: [1, 2] }, { a: [1, 3] }, { a: [1, 3] }, { b: 'é\n"' }, { a: [1, 2] }];
    expect(values.map((v) => json.stringify(v))).toEqual(values.map((v) => JSON.stringify(v)));
  });
});

describe('trainLine', () => {
  const record = (tools: unknown[] | undefined, user: string): LogRecord =>
    ({
      timestamp: 1,
      workload_id: 'w',
      client_id: 'c',
      request: {
        messages: [{ role: 'user', content: user }],
        ...(tools ? { tools } : {}),
      },
      response: {
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: '1', type: 'function', function: { name: 'f', arguments: { x: 1 } } }],
            },
          },
        ],
      },
    }) as LogRecord;
  const tool = (name: string, properties: Record<string, unknown>) => ({
    type: 'function',
    function: { name, parameters: { type: 'object', properties } },
  });

  test('is JSON.stringify(toTrainingRow) whether the tools repeat, change or are missing', () => {
    const records = [
      record([tool('f', { x: { type: 'number' } })], 'one'),
      record([tool('f', { x: { type: 'number' } })], 'two'),
      record([tool('f', { x: { type: 'string' } })], 'three'),
      record([tool('f', { x: { type: 'string' } }), tool('g', {})], 'four'),
      record(undefined, 'five'),
      record([], 'six'),
      record([tool('f', { x: { type: 'number' } })], 'seven'),
    ];
    for (const type of ['tool_calling', 'generic'] as const) {
      for (const r of records) expect(trainLine(r, type)).toBe(JSON.stringify(toTrainingRow(r, type)));
    }
  });
});
