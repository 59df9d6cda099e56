import { Hono } from 'hono';
import {
  conflict,
  errorBody,
  HttpError,
  notFound,
  openAiError,
  sendError,
  unprocessable,
} from '../../../nemo-emulator/http/errors';

// Error bodies as the real services send them: FastAPI's {"detail": ...} for the NeMo services,
// OpenAI's {"error": {...}} for the NIM proxy.

test('NeMo service errors carry a FastAPI detail: a message, or a list of located issues for 422', () => {
  expect(errorBody(notFound('Customization job cust-1'))).toEqual({ detail: 'Customization job cust-1 not found' });
  expect(conflict('Namespace default').status).toBe(409);
  const invalid = unprocessable(['body', 'config'], 'unknown config default/x');
  expect(invalid.status).toBe(422);
  expect(errorBody(invalid)).toEqual({
    detail: [{ loc: ['body', 'config'], msg: 'unknown config default/x', type: 'value_error' }],
  });
  expect(invalid.message).toBe('body.config: unknown config default/x');
});

test.each([
  [404, 'not_found_error'],
  [429, 'rate_limit_error'],
  [503, 'server_error'],
  [400, 'invalid_request_error'],
] as const)('a NIM proxy error with status %i is OpenAI-shaped, type %s', (status, type) => {
  expect(errorBody(openAiError(status, 'model not served'))).toEqual({
    error: { message: 'model not served', type, code: status },
  });
});

test('an OpenAI-shaped error with issues reports them as its message', () => {
  const err = new HttpError(422, [{ loc: ['messages', 0], msg: 'missing', type: 'missing' }], true);
  expect(errorBody(err)).toEqual({
    error: { message: 'messages.0: missing', type: 'invalid_request_error', code: 422 },
  });
});

test('sendError answers with the status and the body', async () => {
  const app = new Hono().get('/x', (c) => sendError(c, notFound('Deployment meta/llama')));
  const res = await app.request('/x');
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ detail: 'Deployment meta/llama not found' });
});
