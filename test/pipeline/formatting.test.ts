import { datasetNames, workloadSlug } from '../../pipeline/dataset-names';
import { toEvalRow, toTrainingRow } from '../../pipeline/formatting';
import { LogRecordSchema } from '../../pipeline/log-record';
import { textRecord, toolRecord } from './fixtures';

describe('dataset row formats', () => {
  const history = [
    { role: 'user', content: 'earlier question' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c0', type: 'function', function: { name: 'get_order_status', arguments: { order_id: 'A-0' } } },
      ],
    },
    { role: 'tool', tool_call_id: 'c0', content: '{"status":"shipped"}' },
  ];
  const record = LogRecordSchema.parse(
    toolRecord('and A-1?', { name: 'get_order_status', arguments: { order_id: 'A-1' } }, { history }),
  );

  test('a tool-calling training row: history, then the answer with empty content, object arguments and the tools', () => {
    const row = toTrainingRow(record, 'tool_calling');
    const last = row.messages[row.messages.length - 1];
    expect(last).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [
        {
          id: expect.any(String),
          type: 'function',
          function: { name: 'get_order_status', arguments: { order_id: 'A-1' } },
        },
      ],
    });
    expect(row.messages[2]?.content).toBe('');
    expect(row.tools).toHaveLength(1);
    // the record itself is not changed (upstream's formatting mutated it)
    expect(record.response.choices[0]?.message.content).toBe('calling');
    expect(record.request.messages[2]?.content).toBeNull();
  });

  test('a generic training row keeps the answer text and has no tools', () => {
    const row = toTrainingRow(LogRecordSchema.parse(textRecord('q', 'the answer')), 'generic');
    expect(row).toEqual({
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'the answer' },
      ],
    });
  });

  test('an eval row is the whole record with history arguments as JSON strings and answer arguments as objects', () => {
    const row = toEvalRow(record);
    expect(row.request.messages[2]?.tool_calls?.[0]?.function.arguments).toBe('{"order_id":"A-0"}');
    expect(row.response.choices[0]?.message.tool_calls?.[0]?.function.arguments).toEqual({ order_id: 'A-1' });
    expect(Object.keys(row)).toEqual(['timestamp', 'workload_id', 'client_id', 'request', 'response']);
  });
});

describe('dataset names', () => {
  test('are fixed per workload and run', () => {
    expect(datasetNames('customer_support', '0123456789abcdef01234567')).toEqual({
      eval: expect.stringMatching(/^flywheel-eval-customer-support-[0-9a-f]{8}-0123456789abcdef01234567$/),
      icl: expect.stringMatching(/^flywheel-icl-customer-support-[0-9a-f]{8}-0123456789abcdef01234567$/),
      train: expect.stringMatching(/^flywheel-train-customer-support-[0-9a-f]{8}-0123456789abcdef01234567$/),
    });
    expect(datasetNames('w', 'r')).toEqual(datasetNames('w', 'r'));
  });

  test('two workload ids that clean up to the same text still get different names', () => {
    expect(workloadSlug('Support Bot')).not.toBe(workloadSlug('support-bot'));
    expect(workloadSlug('support-bot')).toBe('support-bot');
    expect(workloadSlug('x'.repeat(200)).length).toBeLessThanOrEqual(40);
  });
});
