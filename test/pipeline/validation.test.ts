import type { ResolvedWorkloadType } from '../../contracts';
import { REJECTION_REASONS, type RejectionReason, validateRecord } from '../../pipeline/validation';
import { labelRecord, textRecord, toolRecord } from './fixtures';

const options = (workloadType: ResolvedWorkloadType, parseFunctionArguments = true) => ({
  workloadType,
  parseFunctionArguments,
  maxToolProperties: 8,
});

const manyProperties = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, { type: 'string' }]));

// One record per rejection reason, each otherwise valid for the workload type it is checked as.
const CASES: Record<RejectionReason, { record: unknown; type: ResolvedWorkloadType; parse?: boolean }> = {
  invalid_envelope: { record: { ...textRecord('q', 'a'), client_id: '' }, type: 'generic' },
  invalid_request: { record: { ...textRecord('q', 'a'), request: { messages: [] } }, type: 'generic' },
  invalid_response: { record: { ...textRecord('q', 'a'), response: { choices: [{}] } }, type: 'generic' },
  too_many_tool_properties: {
    record: toolRecord('q', undefined, {
      tools: [{ type: 'function', function: { name: 'big', parameters: { properties: manyProperties } } }],
    }),
    type: 'tool_calling',
  },
  empty_response: { record: textRecord('q', '   '), type: 'generic' },
  no_tool_calls: { record: textRecord('q', 'just text'), type: 'tool_calling' },
  tool_call_not_function: {
    record: toolRecord('q', { name: 'lookup', arguments: {}, type: 'retrieval' }),
    type: 'tool_calling',
  },
  invalid_tool_arguments: { record: toolRecord('q', { name: 'lookup', arguments: '{"a": ' }), type: 'tool_calling' },
  missing_tools: { record: toolRecord('q', undefined, { tools: null }), type: 'tool_calling' },
  missing_label: { record: textRecord('Headline: rates hold', 'The topic is markets.'), type: 'classification' },
};

describe('record validation', () => {
  test.each(REJECTION_REASONS.map((r) => [r]))('rejects with reason %s and a detail', (reason) => {
    const c = CASES[reason];
    const result = validateRecord(c.record, options(c.type, c.parse ?? true));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  test('an invalid timestamp is an invalid envelope', () => {
    const result = validateRecord(textRecord('q', 'a', 'last tuesday'), options('generic'));
    expect(result).toMatchObject({ ok: false, reason: 'invalid_envelope' });
  });

  test('accepts epoch seconds, epoch millis and ISO timestamps', () => {
    for (const ts of [1_767_000_000, 1_767_000_000_123, '2026-01-01T00:00:00Z', '1767000000']) {
      expect(validateRecord(textRecord('q', 'a', ts), options('generic')).ok).toBe(true);
    }
  });

  test('string tool arguments are parsed into objects when configured, without mutating the input', () => {
    const raw = toolRecord('where is A-1', { name: 'get_order_status', arguments: '{"order_id":"A-1"}' });
    const result = validateRecord(raw, options('tool_calling', true));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.record.response.choices[0]?.message.tool_calls?.[0]?.function.arguments).toEqual({
        order_id: 'A-1',
      });
    }
    expect(raw.response.choices[0]?.message.tool_calls[0]?.function.arguments).toBe('{"order_id":"A-1"}');
  });

  test('string tool arguments stay strings when parsing is off, and unparseable ones pass', () => {
    const raw = toolRecord('q', { name: 'lookup', arguments: 'not json' });
    const result = validateRecord(raw, options('tool_calling', false));
    expect(result.ok).toBe(true);
  });

  test('arguments that parse to a non-object are rejected', () => {
    for (const args of ['[1,2]', '"text"', 'null', '']) {
      const result = validateRecord(toolRecord('q', { name: 'lookup', arguments: args }), options('tool_calling'));
      expect(result).toMatchObject({ ok: false, reason: 'invalid_tool_arguments' });
    }
  });

  test('eight tool parameters are allowed, nine are not', () => {
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}`, {}]));
    const record = toolRecord('q', undefined, {
      tools: [{ type: 'function', function: { name: 'ok', parameters: { properties: eight } } }],
    });
    expect(validateRecord(record, options('tool_calling')).ok).toBe(true);
  });

  test('a classification answer with a [[[label]]] is accepted; a generic one with tool calls too', () => {
    expect(validateRecord(labelRecord('Headline: x', 'earnings'), options('classification')).ok).toBe(true);
    expect(validateRecord(toolRecord('q'), options('generic')).ok).toBe(true);
  });

  test('extra top-level fields are kept', () => {
    const result = validateRecord({ ...textRecord('q', 'a'), description: 'from app v2' }, options('generic'));
    expect(result.ok && (result.record as Record<string, unknown>).description).toBe('from app v2');
  });
});
