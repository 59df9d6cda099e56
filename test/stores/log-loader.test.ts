import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { exportLogs } from '../../stores/log-export';
import { loadLogs } from '../../stores/log-loader';
import { collect, textRecord } from '../pipeline/fixtures';
import { malformedLine } from '../pipeline/malformed';
import { servers } from '../support/servers';

// Exercises: pipeline/conversation-format.ts (used by the loader this file runs, so no import names it)

const es = createElasticsearchClient(servers.ELASTICSEARCH_URL);
const prefix = `test-loader-${randomUUID().slice(0, 8)}`;
let n = 0;
const freshIndex = () => `${prefix}-${n++}`;
const lines = (...items: unknown[]) =>
  Readable.from([items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))).join('\n')]);
const count = async (index: string) => (await es.count({ index })).count;

afterAll(async () => {
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
  await es.close();
});

describe('log loader', () => {
  test('loading the same file twice adds nothing the second time', async () => {
    const index = freshIndex();
    const file = join(__dirname, '../../samples/faq-qa.jsonl');
    const first = await loadLogs({ elasticsearch: es, index, source: createReadStream(file) });
    const second = await loadLogs({ elasticsearch: es, index, source: createReadStream(file) });
    expect(first).toMatchObject({ lines: 150, loaded: 150, duplicates: 0, rejected: 0 });
    expect(second).toMatchObject({ lines: 150, loaded: 0, duplicates: 150, rejected: 0 });
    expect(await count(index)).toBe(150);
  });

  test('bad lines are reported with their line number and reason and do not stop the load', async () => {
    const index = freshIndex();
    const rejections: { line: number; reason: string }[] = [];
    const summary = await loadLogs({
      elasticsearch: es,
      index,
      source: lines(
        textRecord('q1', 'a'),
        '{"timestamp": 1767000000, "workload_id": "faq"',
        textRecord('q2', 'a'),
        { ...textRecord('q3', 'a'), client_id: 7 },
        '',
        '[]',
        { ...textRecord('q4', 'a'), timestamp: 'soon' },
        textRecord('q5', 'a'),
      ),
      onReject: (r) => rejections.push(r),
      batchSize: 2,
    });
    expect(summary).toMatchObject({ lines: 8, loaded: 3, duplicates: 0, rejected: 4 });
    expect(summary.rejections).toEqual(rejections);
    expect(rejections.map((r) => r.line)).toEqual([2, 4, 6, 7]);
    expect(rejections[0]?.reason).toMatch(/not valid JSON/);
    expect(rejections[1]?.reason).toMatch(/^client_id: /);
    expect(rejections[2]?.reason).toBe('not a JSON object');
    expect(rejections[3]?.reason).toMatch(/^timestamp: "soon" is not a time/);
    expect(await count(index)).toBe(3);
  });

  test('the conversation format becomes a request/response record under the given workload', async () => {
    const index = freshIndex();
    const conversation = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where is A-1?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ type: 'function', function: { name: 'status', arguments: { id: 'A-1' } } }],
        },
      ],
      tools: [{ type: 'function', function: { name: 'status', parameters: { properties: { id: {} } } } }],
    };
    const withoutWorkload = await loadLogs({ elasticsearch: es, index, source: lines(conversation) });
    expect(withoutWorkload.rejections[0]?.reason).toMatch(/needs a workload id/);
    const summary = await loadLogs({
      elasticsearch: es,
      index,
      source: lines(conversation),
      workloadId: 'router',
      clientId: 'dev',
      now: () => new Date('2026-03-01T10:00:00Z'),
    });
    expect(summary.loaded).toBe(1);
    const [doc] = await collect(
      exportLogs({ elasticsearch: es, index, workloadId: 'router', clientId: 'dev', limit: 10 }),
    );
    expect(doc).toMatchObject({
      timestamp: '2026-03-01T10:00:00.000Z',
      request: { messages: conversation.messages.slice(0, 2), tools: conversation.tools },
      response: { choices: [{ message: conversation.messages[2], finish_reason: 'tool_calls' }] },
    });
  });

  test('epoch seconds, epoch millis and ISO timestamps are stored as ISO and sort together', async () => {
    const index = freshIndex();
    await loadLogs({
      elasticsearch: es,
      index,
      source: lines(
        textRecord('oldest', 'a', 1_767_000_000),
        textRecord('newest', 'a', '2026-01-01T00:00:00Z'),
        textRecord('middle', 'a', 1_767_100_000_000),
      ),
    });
    const docs = (await collect(
      exportLogs({ elasticsearch: es, index, workloadId: 'faq', clientId: 'desk', limit: 10 }),
    )) as { timestamp: string; request: { messages: { content: string }[] } }[];
    expect(docs.map((d) => d.request.messages[0]?.content)).toEqual(['newest', 'middle', 'oldest']);
    expect(docs.map((d) => d.timestamp)).toEqual([
      '2026-01-01T00:00:00.000Z',
      new Date(1_767_100_000_000).toISOString(),
      new Date(1_767_000_000_000).toISOString(),
    ]);
  });

  test('10,000 malformed lines: no crash, every line loaded, a duplicate, blank or rejected with a reason', async () => {
    const index = freshIndex();
    const input = fc.sample(malformedLine, { numRuns: 10_000, seed: 77 });
    const blank = input.filter((l) => l.trim().length === 0).length;
    const reasons: string[] = [];
    const summary = await loadLogs({
      elasticsearch: es,
      index,
      source: Readable.from([input.join('\n')]),
      onReject: (r) => reasons.push(r.reason),
    });
    expect(summary.lines).toBe(10_000);
    expect(summary.loaded + summary.duplicates + summary.rejected + blank).toBe(10_000);
    expect(reasons).toHaveLength(summary.rejected);
    expect(reasons.every((r) => r.length > 0)).toBe(true);
    expect(summary.rejected).toBeGreaterThan(5_000);
    expect(await count(index)).toBe(summary.loaded);
  });
});
