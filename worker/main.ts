import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { readEnvironment } from '../config/environment';
import { connectWorker } from '../temporal/connection';

// The worker process: polls the flywheel task queue until SIGTERM/SIGINT, then lets running
// activities finish (or heartbeat out) before exiting.
async function main(): Promise<void> {
  const env = readEnvironment();
  const connection = await connectWorker(env);
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.FLYWHEEL_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(),
    shutdownGraceTime: '30 seconds',
  });
  console.log(`worker polling task queue "${env.FLYWHEEL_TASK_QUEUE}" on ${env.TEMPORAL_ADDRESS}`);
  await worker.run(); // Worker.create installs SIGTERM/SIGINT handlers that call shutdown()
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
