import { MAX_JSON_DEPTH, scanJson } from '../../pipeline/json-scan';

// The pass before JSON.parse for what parses but cannot be kept intact: nesting deep enough to
// overflow recursive walkers, and numbers a double cannot hold.

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

test('ordinary log JSON has no problem', () => {
  const log = JSON.stringify({
    request: { messages: [{ role: 'user', content: 'price of 3 items at 19.99?' }], temperature: 0.7 },
    response: { choices: [{ message: { content: '59.97' } }], usage: { total_tokens: 1234567 } },
    timestamp: 1767261600,
  });
  expect(scanJson(log)).toBeUndefined();
});

test('nesting past the limit is refused at the bracket that crosses it', () => {
  expect(scanJson(nested(MAX_JSON_DEPTH))).toBeUndefined();
  expect(scanJson(nested(MAX_JSON_DEPTH + 1))).toEqual({
    kind: 'depth',
    limit: MAX_JSON_DEPTH,
    offset: MAX_JSON_DEPTH,
  });
  expect(scanJson('{"a":{"b":{"c":1}}}', 2)).toEqual({ kind: 'depth', limit: 2, offset: 10 });
});

test('brackets and digits inside strings, escaped quotes included, are not counted', () => {
  const text = JSON.stringify({ s: `${'['.repeat(500)} 123456789012345678901 \\" {{{` });
  expect(scanJson(text)).toBeUndefined();
});

test('integers beyond 2^53 are refused; the largest safe one and long decimals pass', () => {
  expect(scanJson(`{"id": ${Number.MAX_SAFE_INTEGER}}`)).toBeUndefined();
  expect(scanJson('{"id": 9007199254740993}')).toEqual({
    kind: 'number',
    text: '9007199254740993',
    why: expect.stringMatching(/beyond 2\^53/),
  });
  expect(scanJson('[-12345678901234567890]')).toMatchObject({ kind: 'number', text: '-12345678901234567890' });
  expect(scanJson('[0.12345678901234567890]')).toBeUndefined();
});

test('numbers that overflow to Infinity or underflow to 0 are refused; exact zero is fine', () => {
  expect(scanJson('[1e400]')).toMatchObject({ kind: 'number', text: '1e400', why: expect.stringMatching(/too large/) });
  expect(scanJson('[-1E+400]')).toMatchObject({ kind: 'number', why: expect.stringMatching(/too large/) });
  expect(scanJson('[1e-400]')).toMatchObject({
    kind: 'number',
    text: '1e-400',
    why: expect.stringMatching(/too small/),
  });
  expect(scanJson('[0e-400, 0.0, 1e300, 2.5e-300]')).toBeUndefined();
});
