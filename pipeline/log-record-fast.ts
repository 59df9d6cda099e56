import type { ChatRequest, ChatResponse, LogEnvelope } from './log-record';
import { MAX_TAG_LENGTH } from './log-record';
import { readTimestamp } from './timestamp';

// A hand-written check of the common, well-formed record that returns what the zod schemas in
// log-record.ts would return for it (the same values in the same key order: schema keys first,
// then the unknown ones in input order, so the same JSON), at a fraction of zod's cost. Where
// the input is already in that order its own objects are returned, not copies; nothing
// downstream mutates a record (formatting copies). It only ever
// answers "valid, here is the parse" or "not sure" (undefined): anything unusual goes through
// zod, which also words every rejection, so what is accepted and why a record is rejected
// stay zod's. test/pipeline/log-record-fast.test.ts holds both to the same output.

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const UNSURE = Symbol('unsure');
type Out<T> = T | typeof UNSURE;

/**
 * What a loose zod object with this shape returns for `input`: each shape key present in the
 * input through its checker, then the other keys as they are. When the input already has that
 * key order and every checker hands back its value unchanged, the input itself stands for the
 * copy (same JSON, no allocation: the common case); otherwise a copy is built. A
 * present-but-undefined value or a `__proto__` key is left to zod.
 */
function looseObject(
  input: unknown,
  shape: readonly string[],
  check: (key: string, value: unknown) => unknown,
): Out<Obj> {
  if (!isObject(input) || Object.hasOwn(input, '__proto__')) return UNSURE;
  const keys = Object.keys(input);
  let position = 0;
  // the copy, started at the first key that is out of order or checks to another value
  let out: Obj | undefined;
  for (const key of shape) {
    if (!(key in input)) continue;
    const value = input[key];
    if (value === undefined) return UNSURE;
    const checked = check(key, value);
    if (checked === UNSURE) return UNSURE;
    if (!out && (checked !== value || keys[position] !== key)) out = shapePrefix(input, shape, key);
    if (out) out[key] = checked;
    position++;
  }
  // the input's first keys were the present shape keys, in order, with their own values
  if (!out) return input;
  for (const key of keys) if (!shape.includes(key)) out[key] = input[key];
  return out;
}

/** The input's values of the shape keys before `stop` (all of them without one), in shape order. */
function shapePrefix(input: Obj, shape: readonly string[], stop: string | undefined): Obj {
  const out: Obj = {};
  for (const key of shape) {
    if (key === stop) break;
    if (key in input) out[key] = input[key];
  }
  return out;
}

function required(input: Obj, keys: readonly string[]): boolean {
  for (const key of keys) if (input[key] === undefined) return false;
  return true;
}

/** The array itself when every item checks unchanged, else a copy with the checked items. */
function arrayOf(value: unknown, item: (v: unknown) => unknown, min = 0): Out<unknown[]> {
  if (!Array.isArray(value) || value.length < min) return UNSURE;
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v = item(value[i]);
    if (v === UNSURE) return UNSURE;
    if (v !== value[i] && !out) out = value.slice(0, i);
    if (out) out[i] = v;
  }
  return out ?? value;
}

const nonEmptyString = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : UNSURE);
const optionalString = (v: unknown) => (typeof v === 'string' ? v : UNSURE);

const FUNCTION_CALL = ['name', 'arguments'] as const;
const TOOL_CALL = ['id', 'type', 'function'] as const;
function toolCall(input: unknown): unknown {
  if (!isObject(input) || !required(input, ['function'])) return UNSURE;
  return looseObject(input, TOOL_CALL, (key, value) => {
    if (key !== 'function') return optionalString(value);
    // zod's z.unknown() in an object still wants the key
    if (!isObject(value) || !required(value, FUNCTION_CALL)) return UNSURE;
    return looseObject(value, FUNCTION_CALL, (k, v) => (k === 'name' ? nonEmptyString(v) : v));
  });
}

const MESSAGE = ['role', 'content', 'tool_calls', 'tool_call_id'] as const;
function message(input: unknown): unknown {
  if (!isObject(input) || !required(input, ['role'])) return UNSURE;
  return looseObject(input, MESSAGE, (key, value) => {
    switch (key) {
      case 'role':
        return typeof value === 'string' && ROLES.has(value) ? value : UNSURE;
      case 'content':
        return typeof value === 'string' || value === null || Array.isArray(value) ? value : UNSURE;
      case 'tool_calls':
        return value === null ? null : arrayOf(value, toolCall);
      default:
        return optionalString(value);
    }
  });
}

const PARAMETERS = ['properties'] as const;
const TOOL_FUNCTION = ['name', 'parameters'] as const;
const TOOL = ['type', 'function'] as const;
function tool(input: unknown): unknown {
  if (!isObject(input) || !required(input, ['function'])) return UNSURE;
  return looseObject(input, TOOL, (key, value) => {
    if (key !== 'function') return optionalString(value);
    if (!isObject(value) || !required(value, ['name'])) return UNSURE;
    return looseObject(value, TOOL_FUNCTION, (k, v) => {
      if (k === 'name') return nonEmptyString(v);
      return looseObject(v, PARAMETERS, (_, properties) => {
        if (!isObject(properties) || Object.hasOwn(properties, '__proto__')) return UNSURE;
        return properties;
      });
    });
  });
}

const REQUEST = ['model', 'messages', 'tools'] as const;
function request(input: unknown): Out<Obj> {
  if (!isObject(input) || !required(input, ['messages'])) return UNSURE;
  return looseObject(input, REQUEST, (key, value) => {
    if (key === 'model') return optionalString(value);
    if (key === 'messages') return arrayOf(value, message, 1);
    return value === null ? null : arrayOf(value, tool);
  });
}

const CHOICE = ['message'] as const;
const RESPONSE = ['choices'] as const;
function response(input: unknown): Out<Obj> {
  if (!isObject(input) || !required(input, ['choices'])) return UNSURE;
  return looseObject(input, RESPONSE, (_, value) =>
    arrayOf(
      value,
      (choice) =>
        isObject(choice) && required(choice, ['message']) ? looseObject(choice, CHOICE, (__, m) => message(m)) : UNSURE,
      1,
    ),
  );
}

const tag = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= MAX_TAG_LENGTH ? v : UNSURE);
const ENVELOPE = ['timestamp', 'workload_id', 'client_id', 'request', 'response'] as const;
function envelope(input: unknown): Out<Obj> {
  if (!isObject(input) || !required(input, ENVELOPE)) return UNSURE;
  return looseObject(input, ENVELOPE, (key, value) => {
    if (key === 'timestamp') return readTimestamp(value).ok ? value : UNSURE;
    if (key === 'request' || key === 'response') return isObject(value) ? value : UNSURE;
    return tag(value);
  });
}

/**
 * What `LogEnvelopeSchema`, then `ChatRequestSchema` / `ChatResponseSchema` on its request and
 * response, would return for a record they all accept; undefined when the record needs zod.
 */
export function fastParseRecord(
  raw: unknown,
): { envelope: LogEnvelope; request: ChatRequest; response: ChatResponse } | undefined {
  const env = envelope(raw);
  if (env === UNSURE) return undefined;
  const req = request(env.request);
  if (req === UNSURE) return undefined;
  const res = response(env.response);
  if (res === UNSURE) return undefined;
  return { envelope: env as LogEnvelope, request: req as ChatRequest, response: res as ChatResponse };
}

/**
 * What `ChatRequestSchema` would make of a request's `tools` array (`fastParseRecord`'s check
 * of them alone); undefined when zod must decide.
 */
export function fastParseTools(tools: unknown): unknown[] | undefined {
  const out = arrayOf(tools, tool);
  return out === UNSURE ? undefined : out;
}
