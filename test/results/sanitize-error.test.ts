import fc from 'fast-check';
import { MAX_ERROR_LENGTH, sanitizeError } from '../../stores/results/sanitize-error';

// Error text is stored and served by the API: prompt content echoed by a NeMo error body is
// removed, credentials are masked, and the text is bounded; field names and reasons stay.

const PROMPT = 'my account number is 4111-2222 and my address is 1 Main St';

test.each([
  ['a JSON chat request', `422: {"model":"m","messages":[{"role":"user","content":"${PROMPT}"}]}`],
  [
    'JSON echoed inside a JSON string',
    `500: {"detail":"bad request {\\"messages\\": [{\\"content\\": \\"${PROMPT}\\"}]}"}`,
  ],
  ['a Python repr', `evaluation failed: {'prompt': '${PROMPT}', 'max_tokens': 5}`],
  ['an OpenAI completion', `judge: {"choices":[{"message":{"content":"${PROMPT}"}}]}`],
  ['a cut-off body', `400: {"messages":[{"role":"user","content":"${PROMPT}`],
])('strips the prompt from %s', (_, text) => {
  const clean = sanitizeError(text);
  expect(clean).not.toContain('4111');
  expect(clean).not.toContain('Main St');
  expect(clean).toContain('[redacted]');
});

test('keeps what an operator needs: status, field names and reasons', () => {
  expect(sanitizeError('POST /v1/evaluation/jobs answered 422: messages.0.content: Field required')).toBe(
    'POST /v1/evaluation/jobs answered 422: messages.0.content: Field required',
  );
  expect(sanitizeError('customization failed: NotEnoughResources')).toBe('customization failed: NotEnoughResources');
  expect(sanitizeError(null)).toBeNull();
});

test('masks credentials', () => {
  const clean = sanitizeError(
    '401 for Bearer abcdefghijklmnopqrstuv, key nvapi-ABCDEFGHIJ123456, http://u:pw@db:27017',
  );
  for (const secret of ['abcdefghijklmnopqrstuv', 'nvapi-ABCDEFGHIJ123456', ':pw@'])
    expect(clean).not.toContain(secret);
});

test('is bounded and idempotent for any text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 2000 }), (text) => {
      const once = sanitizeError(text);
      expect(once.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
      expect(sanitizeError(once)).toBe(once);
    }),
  );
});
