import { createNemo } from '../activities/nemo-factory';
import { readEnvironment } from '../config/environment';
import { createLogger, temporalRuntimeLogging } from '../observability/logger';
import { collectProcessMetrics } from '../observability/metrics';
import { connectWorker } from '../temporal/connection';
import { createFlywheelWorker } from './create-worker';
import { openActivityDeps } from './dependencies';
import { startHealthServer } from './health-server';
import { promoteVersion } from './promote';
import { deploymentVersionOf, readWorkerSettings } from './settings';
import { installTelemetry } from './telemetry';

// The worker process: polls the flywheel task queue until SIGTERM/SIGINT, then stops taking
// tasks, gives running activities the grace time to finish (a polling activity that does not
// finish is retried elsewhere and resumes its remote job), and closes its clients. With
// FLYWHEEL_BUILD_ID set it is one version of a Worker Deployment (README "Upgrading").
const logger = createLogger('worker');

async function main(): Promise<void> {
  const env = readEnvironment();
  collectProcessMetrics();
  const settings = readWorkerSettings();
  const version = deploymentVersionOf(settings);
  // Before any connection: the runtime is process-wide and installed once.
  const { coreMetricsUrl } = await installTelemetry({
    corePort: settings.FLYWHEEL_WORKER_CORE_METRICS_PORT,
    globalTags: version ? { deployment_name: version.deploymentName, build_id: version.buildId } : undefined,
    logging: temporalRuntimeLogging(logger),
  });
  const { deps, close } = await openActivityDeps(env, settings);
  // The health server first: a port it cannot take fails the start before any worker holds the
  // connection (a created worker that never ran keeps it, and closing it would hide the cause).
  let worker: Awaited<ReturnType<typeof createFlywheelWorker>> | undefined;
  const health = await startHealthServer({
    host: settings.FLYWHEEL_WORKER_METRICS_HOST,
    port: settings.FLYWHEEL_WORKER_METRICS_PORT,
    workerState: () => worker?.getState() ?? 'INITIALIZED',
    coreMetricsUrl,
  }).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  const connection = await connectWorker(env);
  try {
    const created = await createFlywheelWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.FLYWHEEL_TASK_QUEUE,
      deps,
      nemo: createNemo,
      version,
      ...(env.FLYWHEEL_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: env.FLYWHEEL_WORKFLOW_BUNDLE } } : {}),
      overrides: { shutdownGraceTime: `${env.FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS} seconds` },
    });
    worker = created;
    const running = created.run(); // Worker.create installs SIGTERM/SIGINT handlers that call shutdown()
    running.catch(() => undefined); // awaited below; a failure must not surface as unhandled first
    const as = version ? ` as ${version.deploymentName}/${version.buildId}` : ' (unversioned)';
    logger.info(
      { task_queue: env.FLYWHEEL_TASK_QUEUE, temporal_address: env.TEMPORAL_ADDRESS, metrics_url: health.url },
      `flywheel worker polling task queue "${env.FLYWHEEL_TASK_QUEUE}"${as}; health and metrics on ${health.url}`,
    );
    if (version && settings.FLYWHEEL_WORKER_PROMOTE) {
      const { previousBuildId } = await promoteVersion({
        client: deps.temporal,
        namespace: env.TEMPORAL_NAMESPACE,
        version,
      }).catch(async (err: unknown) => {
        created.shutdown();
        await running;
        throw err;
      });
      logger.info(
        { build_id: version.buildId, previous_build_id: previousBuildId ?? null },
        `flywheel worker ${version.buildId} is the current version of ${version.deploymentName}`,
      );
    }
    await running;
  } finally {
    await health.close();
    await connection.close();
    await close();
  }
}

main().catch((err) => {
  logger.fatal({ err }, 'flywheel worker failed');
  process.exit(1);
});
