import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createSmokeActivities } from '../../activities/smoke';
import { smokeWorkflow } from '../../workflows';
import { connectTestEnvironment, uniqueTaskQueue, workflowBundle } from '../support/temporal';

// Exercises: workflows/smoke.ts (run by the test's worker in Temporal's workflow sandbox, so no import names them)

describe('Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectTestEnvironment();
  });
  afterAll(() => env?.teardown());

  test('a workflow with an activity runs to completion on the real server', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createSmokeActivities(),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: `${taskQueue}-wf`, args: ['flywheel'] }),
    );
    expect(result).toBe('hello flywheel from greet');

    const history = await env.client.workflow.getHandle(`${taskQueue}-wf`).fetchHistory();
    const types = history.events?.map((e) => e.eventType) ?? [];
    expect(types.length).toBeGreaterThan(5);
  });

  test('the flywheel search attributes are registered', async () => {
    const response = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const custom = Object.keys(response.customAttributes ?? {});
    expect(custom).toEqual(expect.arrayContaining(['WorkloadId', 'ClientId', 'FlywheelStatus']));
  });
});
