import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { readEnvironment } from '../../config/environment';

// Where the tests find their servers: the local stack's defaults, or the user's own servers
// through TEMPORAL_ADDRESS / ELASTICSEARCH_URL / MONGODB_URL.
export const servers = readEnvironment();

const HOW_TO_START = 'start the local stack with `npm run stack up` (or `npm test`, which starts it)';

export class ServerDownError extends Error {
  override name = 'ServerDownError';
}

export async function checkTemporal(address = servers.TEMPORAL_ADDRESS): Promise<void> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '5s' });
    try {
      await connection.healthService.check({});
    } finally {
      await connection.close();
    }
  } catch (err) {
    throw new ServerDownError(
      `Temporal is not reachable at ${address} (TEMPORAL_ADDRESS): ${String(err)}; ${HOW_TO_START}`,
    );
  }
}

export async function checkElasticsearch(url = servers.ELASTICSEARCH_URL): Promise<void> {
  try {
    const res = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status?: string };
    if (body.status !== 'green' && body.status !== 'yellow') throw new Error(`cluster status ${body.status}`);
  } catch (err) {
    throw new ServerDownError(
      `Elasticsearch is not healthy at ${url} (ELASTICSEARCH_URL): ${String(err)}; ${HOW_TO_START}`,
    );
  }
}

export async function checkMongo(url = servers.MONGODB_URL, timeoutMs = 5000): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    throw new ServerDownError(`MongoDB is not reachable at ${url} (MONGODB_URL): ${String(err)}; ${HOW_TO_START}`);
  } finally {
    await client.close();
  }
}
