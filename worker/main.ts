import { Runtime } from '@temporalio/worker';
import { createNemoOps } from '../activities/nemo-adapter';
import { readEnvironment } from '../config/environment';
import { createLogger, temporalRuntimeLogging } from '../observability/logger';
import { collectProcessMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/metrics-server';
import { connectWorker } from '../temporal/connection';
import { createFlywheelWorker } from './create-worker';
import { openActivityDeps } from './dependencies';

// The worker process: polls the flywheel task queue until SIGTERM/SIGINT, then stops taking
// tasks, gives running activities the grace time to finish (a polling activity that does not
// finish is retried elsewhere and resumes its remote job), and closes its clients.
const logger = createLogger('worker');

async function main(): Promise<void> {
  // Every line JSON: the SDK's workflow, activity and core logs go through the same pino logger.
  Runtime.install(temporalRuntimeLogging(logger));
  const env = readEnvironment();
  collectProcessMetrics();
  const metricsPort = process.env.FLYWHEEL_WORKER_METRICS_PORT;
  const metrics = metricsPort ? await startMetricsServer('127.0.0.1', Number(metricsPort)) : undefined;
  if (metrics) logger.info({ metrics_url: metrics.url }, 'metrics served');
  const { deps, close } = await openActivityDeps(env);
  const connection = await connectWorker(env);
  try {
    const worker = await createFlywheelWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.FLYWHEEL_TASK_QUEUE,
      deps,
      nemo: createNemoOps,
      ...(env.FLYWHEEL_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: env.FLYWHEEL_WORKFLOW_BUNDLE } } : {}),
      overrides: { shutdownGraceTime: `${env.FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS} seconds` },
    });
    logger.info(
      { task_queue: env.FLYWHEEL_TASK_QUEUE, temporal_address: env.TEMPORAL_ADDRESS },
      `flywheel worker polling task queue "${env.FLYWHEEL_TASK_QUEUE}"`,
    );
    await worker.run(); // Worker.create installs SIGTERM/SIGINT handlers that call shutdown()
  } finally {
    await metrics?.close();
    await connection.close();
    await close();
  }
}

main().catch((err) => {
  logger.fatal({ err }, 'flywheel worker failed');
  process.exit(1);
});
