import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { readEnvironment } from '../config/environment';
import { connectClient, connectWorker } from '../temporal/connection';
import { smokeWorkflow } from '../workflows';

// Runs one workflow end to end on the local stack with an in-process worker and leaves it
// visible in the Temporal Web UI.
async function main(): Promise<void> {
  const env = readEnvironment();
  const taskQueue = `${env.FLYWHEEL_TASK_QUEUE}-demo`;
  const worker = await Worker.create({
    connection: await connectWorker(env),
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(),
  });
  const client = await connectClient(env);
  const workflowId = `demo-smoke-${Date.now()}`;
  const result = await worker.runUntil(
    client.workflow.execute(smokeWorkflow, { taskQueue, workflowId, args: ['demo'] }),
  );
  console.log(`workflow ${workflowId}: ${result}`);
  console.log(`see it at http://127.0.0.1:8233/namespaces/${env.TEMPORAL_NAMESPACE}/workflows/${workflowId}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
