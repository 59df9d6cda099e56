import { createServer } from 'node:net';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';

// The Temporal runtime's metrics (workflow task failures, schedule-to-start latency, slots,
// pollers...) are exported by its own Prometheus endpoint, bound to loopback only; the
// worker's HTTP server (health-server.ts) serves them together with the process's own metrics.

export interface TelemetryOptions {
  /** Loopback port for the runtime's exporter; 0 picks a free one. */
  corePort: number;
  /** Tags added to every runtime metric (e.g. the build id). */
  globalTags?: Record<string, string>;
  /** Where the SDK's and the core's logs go (observability/logger.ts routes them through pino). */
  logging?: {
    logger: RuntimeOptions['logger'];
    telemetryOptions: { logging: NonNullable<RuntimeOptions['telemetryOptions']>['logging'] };
  };
}

/** Installs the process-wide Temporal runtime with Prometheus metrics; returns their URL. */
export async function installTelemetry({
  corePort,
  globalTags,
  logging,
}: TelemetryOptions): Promise<{ coreMetricsUrl: string }> {
  const port = corePort === 0 ? await freeLoopbackPort() : corePort;
  Runtime.install({
    ...(logging ? { logger: logging.logger } : {}),
    telemetryOptions: {
      ...(logging ? { logging: logging.telemetryOptions.logging } : {}),
      metrics: {
        prometheus: { bindAddress: `127.0.0.1:${port}` },
        ...(globalTags ? { globalTags } : {}),
      },
    },
  });
  return { coreMetricsUrl: `http://127.0.0.1:${port}/metrics` };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
