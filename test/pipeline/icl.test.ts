import type { IclConfig } from '../../config/schema';
import { buildIclRecords, type Embedder } from '../../pipeline/icl';
import { parseIclExamples } from '../../pipeline/icl-example-format';
import { makeCandidate, promptTokens, selectUniform } from '../../pipeline/icl-selection';
import { type LogRecord, LogRecordSchema } from '../../pipeline/log-record';
import { budgetTokens, countTokens } from '../../pipeline/tokens';
import { textRecord, toolRecord } from './fixtures';

const asRecord = (raw: unknown): LogRecord => LogRecordSchema.parse(raw);

function iclConfig(overrides: Partial<IclConfig> = {}): IclConfig {
  return {
    max_context_length: 8192,
    reserved_tokens: 2048,
    max_examples: 3,
    min_examples: 1,
    example_selection: 'uniform_distribution',
    ...overrides,
  };
}

const systemOf = (record: LogRecord) => String(record.request.messages.find((m) => m.role === 'system')?.content ?? '');

// A bag-of-topics embedder: texts about the same topic word get the same direction. It stands in
// for the embeddings model in these unit tests of the selection logic only.
const TOPICS = ['order', 'refund', 'shipping', 'password'];
const topicEmbedder: Embedder & { calls: number } = {
  calls: 0,
  async embed(texts) {
    this.calls++;
    return texts.map((t) => TOPICS.map((w) => (t.toLowerCase().includes(w) ? 1 : 0.01)));
  },
};

describe('in-context examples', () => {
  const pool = [
    makeCandidate(
      asRecord(toolRecord('Where is my order A-1?', { name: 'get_order_status', arguments: { order_id: 'A-1' } })),
      'get_order_status',
    ),
    makeCandidate(
      asRecord(
        toolRecord('Order A-2 status, this is a much longer question with many more words in it', {
          name: 'get_order_status',
          arguments: { order_id: 'A-2' },
        }),
      ),
      'get_order_status',
    ),
    makeCandidate(
      asRecord(toolRecord('I want a refund for A-3', { name: 'refund', arguments: { order_id: 'A-3' } })),
      'refund',
    ),
    makeCandidate(
      asRecord(toolRecord('Shipping to Lyon?', { name: 'shipping_quote', arguments: { city: 'Lyon' } })),
      'shipping_quote',
    ),
  ];

  test('uniform selection spreads the examples across classes, shortest first', () => {
    const chosen = selectUniform(pool, 3);
    expect(chosen.map((c) => c.cls).sort()).toEqual(['get_order_status', 'refund', 'shipping_quote']);
    expect(chosen.find((c) => c.cls === 'get_order_status')?.text).toContain('A-1');
  });

  test('uniform mode writes the same parseable examples into every eval record', async () => {
    const targets = [asRecord(toolRecord('Where is A-9?')), asRecord(textRecord('no system message here', 'ok'))];
    const { records, stats } = await buildIclRecords(targets, pool, { config: iclConfig() });
    const first = parseIclExamples(systemOf(records[0] as LogRecord));
    const second = parseIclExamples(systemOf(records[1] as LogRecord));
    expect(first).toHaveLength(3);
    expect(second).toEqual(first);
    // the original system prompt is kept after the examples; a missing one is created
    expect(systemOf(records[0] as LogRecord)).toMatch(/<\/example>\n\nYou are a support bot\.$/);
    expect((records[1] as LogRecord).request.messages[0]?.role).toBe('system');
    expect(first.flatMap((e) => e.toolCalls.map((c) => c.name)).sort()).toEqual([
      'get_order_status',
      'refund',
      'shipping_quote',
    ]);
    expect(stats.examplesPerRecord).toEqual({ min: 3, mean: 3, max: 3 });
    // the inputs are untouched
    expect(systemOf(targets[0] as LogRecord)).toBe('You are a support bot.');
  });

  test('semantic similarity picks the most similar example first, then covers other classes', async () => {
    const config = iclConfig({
      example_selection: 'semantic_similarity',
      max_examples: 2,
      similarity_config: {
        relevance_ratio: 0.5,
        embedding_nim_config: { deployment_type: 'remote', url: 'http://x/v1/embeddings', model_name: 'e' },
      },
    });
    const targets = [asRecord(toolRecord('Can I get a refund please')), asRecord(toolRecord('shipping cost to Osaka'))];
    const { records } = await buildIclRecords(targets, pool, { config, embedder: topicEmbedder });
    const refundExamples = parseIclExamples(systemOf(records[0] as LogRecord));
    const shippingExamples = parseIclExamples(systemOf(records[1] as LogRecord));
    expect(refundExamples[0]?.toolCalls[0]?.name).toBe('refund');
    expect(shippingExamples[0]?.toolCalls[0]?.name).toBe('shipping_quote');
    // the coverage slot goes to another class than the relevance pick
    expect(refundExamples[1]?.toolCalls[0]?.name).not.toBe('refund');
    expect(topicEmbedder.calls).toBeGreaterThan(0);
  });

  test('semantic similarity without an embedder is a configuration error', async () => {
    const config = iclConfig({ example_selection: 'semantic_similarity' });
    await expect(buildIclRecords([asRecord(toolRecord('q'))], pool, { config })).rejects.toThrow(/needs an embedder/);
  });

  test('Japanese text is counted with the real tokenizer, not characters / 4', () => {
    const japanese = '海外出張は14日前、国内出張は7日前までに出張ポータルで申請してください。';
    const tokens = countTokens(japanese);
    expect(tokens).toBeGreaterThan(Math.ceil(japanese.length / 4) * 2);
    expect(budgetTokens(japanese)).toBe(tokens + Math.floor(tokens * 0.2));
  });

  test('the token budget holds back CJK examples that do not fit and keeps those that do', async () => {
    const long =
      '取引先との会食費は経費精算できますか？参加者全員の氏名を記入し、明細付きの領収書を添付してください。'.repeat(12);
    const japanesePool = [
      makeCandidate(asRecord(textRecord(long, `${long}。`)), 'generic'),
      makeCandidate(asRecord(textRecord('出張の申請は？', '7日前までです。')), 'generic'),
    ];
    const target = asRecord(textRecord('ノートパソコンが故障しました。', ''));
    const own = promptTokens(target);
    const small = japanesePool[1]?.tokens as number;
    const big = japanesePool[0]?.tokens as number;
    expect(big).toBeGreaterThan(small);
    // room for the small example only
    const config = iclConfig({ max_context_length: 100 + own + small + 1, reserved_tokens: 100, max_examples: 2 });
    const { records, stats } = await buildIclRecords([target], japanesePool, { config });
    const examples = parseIclExamples(systemOf(records[0] as LogRecord));
    expect(examples).toHaveLength(1);
    expect(examples[0]?.answer).toBe('7日前までです。');
    expect(stats.exampleTokensPerRecord.max).toBe(small);
    expect(stats.recordsBelowMinExamples).toBe(0);
  });

  test('a record whose own prompt fills the context gets no examples and is left unchanged', async () => {
    const target = asRecord(textRecord('q'.repeat(50), 'a'));
    const config = iclConfig({ max_context_length: 100, reserved_tokens: 90 });
    const { records, stats } = await buildIclRecords([target], pool, { config });
    expect(records[0]).toBe(target);
    expect(stats.recordsWithoutExamples).toBe(1);
  });

  test('the smallest candidate context length caps the budget', async () => {
    const target = asRecord(toolRecord('Where is A-9?'));
    const { stats } = await buildIclRecords([target], pool, {
      config: iclConfig(),
      contextLength: 2048 + promptTokens(target),
    });
    expect(stats.recordsWithoutExamples).toBe(1);
  });
});
