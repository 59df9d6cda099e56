import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { exportLogPages, exportLogs } from '../../stores/log-export';
import { loadLogs } from '../../stores/log-loader';
import { collect } from '../pipeline/fixtures';
import { servers } from '../support/servers';

const es = createElasticsearchClient(servers.ELASTICSEARCH_URL);
const index = `test-export-${randomUUID()}`;
const TARGET = 12_345;

function* records() {
  for (let i = 0; i < TARGET; i++) {
    yield { timestamp: 1_760_000_000 + i * 7, workload_id: 'aiva-1', client_id: 'dev', request: { i }, response: {} };
    // near-miss neighbours that a match query (not term) would also return
    if (i % 10 === 0) {
      yield {
        timestamp: 1_760_000_000 + i * 7,
        workload_id: 'aiva-10',
        client_id: 'dev',
        request: { i },
        response: {},
      };
      yield {
        timestamp: 1_760_000_000 + i * 7,
        workload_id: 'aiva-1',
        client_id: 'dev-2',
        request: { i },
        response: {},
      };
    }
  }
}

beforeAll(async () => {
  const source = Readable.from(
    (function* () {
      for (const r of records()) yield `${JSON.stringify(r)}\n`;
    })(),
  );
  const summary = await loadLogs({ elasticsearch: es, index, source, batchSize: 2000 });
  expect(summary.loaded).toBe(TARGET + 2 * Math.ceil(TARGET / 10));
});

afterAll(async () => {
  await es.indices.delete({ index, ignore_unavailable: true });
  await es.close();
});

const ids = (docs: unknown[]) => docs.map((d) => (d as { request: { i: number } }).request.i);

describe('log export', () => {
  test('reads past the 10,000-hit window: every record of exactly that client and workload, newest first', async () => {
    const docs = await collect(
      exportLogs({ elasticsearch: es, index, workloadId: 'aiva-1', clientId: 'dev', limit: 50_000 }),
    );
    expect(docs).toHaveLength(TARGET);
    const order = ids(docs);
    expect(order[0]).toBe(TARGET - 1);
    expect(order.every((v, k) => k === 0 || v < (order[k - 1] as number))).toBe(true);
    expect(docs.every((d) => (d as { workload_id: string }).workload_id === 'aiva-1')).toBe(true);
  });

  test('stops at the limit with the newest records, in pages of the requested size', async () => {
    const pages = await collect(
      exportLogPages({
        elasticsearch: es,
        index,
        workloadId: 'aiva-1',
        clientId: 'dev',
        limit: 10_500,
        pageSize: 3000,
      }),
    );
    expect(pages.map((p) => p.length)).toEqual([3000, 3000, 3000, 1500]);
    const order = ids(pages.flat());
    expect(order[0]).toBe(TARGET - 1);
    expect(order[order.length - 1]).toBe(TARGET - 10_500);
  });

  test('an unknown workload or a missing index yields nothing', async () => {
    expect(
      await collect(exportLogs({ elasticsearch: es, index, workloadId: 'aiva', clientId: 'dev', limit: 10 })),
    ).toEqual([]);
    const missing = `${index}-missing`;
    expect(
      await collect(exportLogs({ elasticsearch: es, index: missing, workloadId: 'a', clientId: 'b', limit: 10 })),
    ).toEqual([]);
  });
});
