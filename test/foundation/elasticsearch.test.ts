import { randomUUID } from 'node:crypto';
import { createElasticsearchClient, waitForElasticsearch } from '../../stores/elasticsearch';
import { servers } from '../support/servers';

describe('Elasticsearch', () => {
  const es = createElasticsearchClient(servers.ELASTICSEARCH_URL);
  const index = `test-foundation-${randomUUID()}`;

  afterAll(async () => {
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
  });

  test('index create, bulk load and search round trip', async () => {
    await waitForElasticsearch(es, servers.ELASTICSEARCH_URL);
    await es.indices.create({
      index,
      mappings: {
        properties: { workload_id: { type: 'keyword' }, timestamp: { type: 'date' }, n: { type: 'integer' } },
      },
    });
    const docs = Array.from({ length: 25 }, (_, n) => ({
      workload_id: n % 2 === 0 ? 'even' : 'odd',
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      n,
    }));
    const bulk = await es.bulk({ refresh: true, operations: docs.flatMap((d) => [{ index: { _index: index } }, d]) });
    expect(bulk.errors).toBe(false);

    const found = await es.search<{ n: number }>({
      index,
      query: { term: { workload_id: 'even' } },
      sort: [{ timestamp: 'desc' }],
      size: 100,
    });
    const ns = found.hits.hits.map((h) => h._source?.n);
    expect(ns).toHaveLength(13);
    expect(ns[0]).toBe(24);
    expect(ns.every((n) => n !== undefined && n % 2 === 0)).toBe(true);
  });
});
