import { Client } from '@elastic/elasticsearch';

/**
 * An Elasticsearch client. Readiness is checked with cluster health, not ping/info: the
 * integ-test distribution used locally has no `GET /` handler.
 */
export function createElasticsearchClient(url: string): Client {
  return new Client({ node: url, requestTimeout: 30_000 });
}

export async function waitForElasticsearch(es: Client, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const health = await es.cluster.health({ timeout: '1s' });
      if (health.status === 'green' || health.status === 'yellow') return;
      last = new Error(`cluster status ${health.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Elasticsearch at ${url} is not healthy: ${String(last)}`);
}
