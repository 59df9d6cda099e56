import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { readEnvironment } from '../../config/environment';

// Where the tests find their servers: the local stack's defaults, or the user's own servers
// through TEMPORAL_ADDRESS / ELASTICSEARCH_URL / MONGODB_URL.
export const servers = readEnvironment();

const HOW_TO_START = 'start the local stack with `npm run stack up` (or `npm test`, which starts it)';

export class ServerDownError extends Error {}

export async function checkTemporal(): Promise<void> {
  try {
    const connection = await Connection.connect({ address: servers.TEMPORAL_ADDRESS, connectTimeout: '5s' });
    await connection.healthService.check({});
    await connection.close();
  } catch (err) {
    throw new ServerDownError(
      `Temporal is not reachable at ${servers.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS): ${String(err)}; ${HOW_TO_START}`,
    );
  }
}

export async function checkElasticsearch(): Promise<void> {
  const url = `${servers.ELASTICSEARCH_URL}/_cluster/health`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status?: string };
    if (body.status !== 'green' && body.status !== 'yellow') throw new Error(`cluster status ${body.status}`);
  } catch (err) {
    throw new ServerDownError(
      `Elasticsearch is not healthy at ${servers.ELASTICSEARCH_URL} (ELASTICSEARCH_URL): ${String(err)}; ${HOW_TO_START}`,
    );
  }
}

export async function checkMongo(): Promise<void> {
  const client = new MongoClient(servers.MONGODB_URL, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    throw new ServerDownError(
      `MongoDB is not reachable at ${servers.MONGODB_URL} (MONGODB_URL): ${String(err)}; ${HOW_TO_START}`,
    );
  } finally {
    await client.close();
  }
}
