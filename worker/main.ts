import { createNemoOps } from '../activities/nemo-adapter';
import { readEnvironment } from '../config/environment';
import { connectWorker } from '../temporal/connection';
import { createFlywheelWorker } from './create-worker';
import { openActivityDeps } from './dependencies';

// The worker process: polls the flywheel task queue until SIGTERM/SIGINT, then stops taking
// tasks, gives running activities the grace time to finish (a polling activity that does not
// finish is retried elsewhere and resumes its remote job), and closes its clients.
async function main(): Promise<void> {
  const env = readEnvironment();
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
    console.log(`flywheel worker polling task queue "${env.FLYWHEEL_TASK_QUEUE}" on ${env.TEMPORAL_ADDRESS}`);
    await worker.run(); // Worker.create installs SIGTERM/SIGINT handlers that call shutdown()
  } finally {
    await connection.close();
    await close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
