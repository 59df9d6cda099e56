import { createServer } from 'node:net';
import { checkElasticsearch, checkMongo, checkTemporal } from '../support/servers';

// The suite refuses to run against a missing server; the message must say which server is
// down and how to start it, so a developer is not left reading a timeout.

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a server that is down', () => {
  test('Temporal: names the server, its variable and how to start the stack', async () => {
    const port = await closedPort();
    await expect(checkTemporal(`127.0.0.1:${port}`)).rejects.toThrow(
      new RegExp(`Temporal is not reachable at 127\\.0\\.0\\.1:${port} \\(TEMPORAL_ADDRESS\\).*npm run stack up`),
    );
  });

  test('Elasticsearch: names the server, its variable and how to start the stack', async () => {
    const port = await closedPort();
    await expect(checkElasticsearch(`http://127.0.0.1:${port}`)).rejects.toThrow(
      /Elasticsearch is not healthy at http:\/\/127\.0\.0\.1:\d+ \(ELASTICSEARCH_URL\).*npm run stack up/,
    );
  });

  test('MongoDB: names the server, its variable and how to start the stack', async () => {
    const port = await closedPort();
    await expect(checkMongo(`mongodb://127.0.0.1:${port}`, 1000)).rejects.toThrow(
      /MongoDB is not reachable at mongodb:\/\/127\.0\.0\.1:\d+ \(MONGODB_URL\).*npm run stack up/,
    );
  });

  test('the running stack passes the same checks', async () => {
    await expect(Promise.all([checkTemporal(), checkElasticsearch(), checkMongo()])).resolves.toBeDefined();
  });
});
