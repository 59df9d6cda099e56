import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';
import { register } from 'prom-client';

// The worker's HTTP server: GET /healthz answers 200 while the worker runs and polls (the
// Kubernetes liveness probe), GET /metrics the Temporal runtime's metrics followed by the
// process's prom-client default registry (application metrics other modules register there).

export interface HealthServerOptions {
  host: string;
  port: number;
  /** The worker's state: RUNNING means it is polling its task queue. */
  workerState: () => State;
  coreMetricsUrl: string;
}

export interface HealthServer {
  url: string;
  close: () => Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (route === '/healthz') {
      const state = options.workerState();
      res.writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: state === 'RUNNING' ? 'ok' : 'unavailable', worker: state }));
      return;
    }
    if (route === '/metrics') {
      metricsText(options.coreMetricsUrl).then(
        (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}`, close: () => closeServer(server) };
}

async function metricsText(coreMetricsUrl: string): Promise<string> {
  const [core, app] = await Promise.all([
    fetch(coreMetricsUrl, { signal: AbortSignal.timeout(5000) }).then((r) => {
      if (!r.ok) throw new Error(`Temporal runtime metrics: HTTP ${r.status}`);
      return r.text();
    }),
    register.metrics(),
  ]);
  const ending = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
  return ending(core) + ending(app);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
