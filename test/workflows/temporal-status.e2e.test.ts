import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { loadLogs } from '../../stores/log-loader';
import { FLYWHEEL_RUN_WORKFLOW, type FlywheelRunInput, progressQuery } from '../../workflows/contract';
import { apiOverHarness, terminateLeftovers } from '../api/harness-app';
import { eventually, FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';
import { servers } from '../support/servers';

// Exercises: workflows/candidate-status.ts (run by the test's worker in Temporal's workflow sandbox, so no import names them)

// What an operator sees in Temporal agrees with the job: a failed run is Failed (once its
// documents are final), a cancelled run is Canceled whichever way the cancel came, candidate
// children carry the run's search attributes, every run's memo names its job, and after
// `temporal workflow reset` the job and the workflow list agree again.

describe('Temporal execution status agrees with the job', () => {
  const h = new FlywheelHarness({ timeScale: 0.01 });
  let api: ReturnType<typeof apiOverHarness>['api'];
  beforeAll(async () => {
    await h.start();
    h.configs.set('single', h.config({ models: [MODELS[0] as string], customize: false }));
    ({ api } = apiOverHarness(h));
  }, 120_000);
  afterAll(async () => {
    await terminateLeftovers(h);
    await h.close();
  });
  afterEach(() => h.clearFaults());

  /** The executions a visibility query finds (visibility is eventually consistent: polled). */
  async function listed(query: string, expected: number) {
    return eventually(`${expected} workflow(s) for ${query}`, async () => {
      const found = [];
      for await (const wf of h.env.client.workflow.list({ query })) found.push(wf);
      return found.length === expected ? found : undefined;
    });
  }

  test('a failed run is Failed in Temporal after its documents are final, and a reset brings both back to completed', async () => {
    const workloadId = `status-${randomUUID().slice(0, 8)}`;
    const { body: created } = await api.call('POST', '/api/jobs', {
      body: { workload_id: workloadId, client_id: SAMPLE.clientId, config_name: 'single' },
    });
    const handle = h.env.client.workflow.getHandle(`flywheel-${created.id}`);
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(/^Error creating datasets: /);
    // The workflow failed only after the run's documents were final.
    const docs = await h.documents(created.id);
    expect(docs.run).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Error creating datasets/) });
    expect(docs.run?.finished_at).toBeInstanceOf(Date);
    const [failed] = await listed(
      `WorkflowId='${handle.workflowId}' AND ExecutionStatus='Failed' AND FlywheelStatus='failed'`,
      1,
    );
    const detail = (await api.call('GET', `/api/jobs/${created.id}`)).body;
    expect(detail).toMatchObject({
      status: 'failed',
      workflow_id: handle.workflowId,
      workflow_run_id: failed?.runId,
      workflow_url: `http://127.0.0.1:8233/namespaces/${servers.TEMPORAL_NAMESPACE}/workflows/${handle.workflowId}/${failed?.runId}/history`,
    });
    expect(failed?.memo).toMatchObject({ job_id: created.id, source: 'api' });

    // The operator loads the missing logs and resets the workflow to its first task.
    await loadLogs({
      elasticsearch: h.elasticsearch,
      index: h.logIndex,
      source: createReadStream(SAMPLE.file),
      workloadId,
      clientId: SAMPLE.clientId,
    });
    await h.elasticsearch.indices.refresh({ index: h.logIndex });
    const { handle: reset, runId } = await h.resetToStart(handle, 'logs are loaded now');
    expect(await h.result(reset)).toMatchObject({
      status: 'completed',
    });
    const [completed] = await listed(
      `WorkflowId='${handle.workflowId}' AND ExecutionStatus='Completed' AND FlywheelStatus='completed'`,
      1,
    );
    expect(completed?.runId).toBe(runId);
    expect((await api.call('GET', `/api/jobs/${created.id}`)).body).toMatchObject({
      status: 'completed',
      workflow_run_id: runId,
    });

    // The candidate child is found by the run's workload, with its own status.
    const [child] = await listed(`WorkloadId='${workloadId}' AND WorkflowType='candidateRun'`, 1);
    expect(child?.searchAttributes).toMatchObject({
      WorkloadId: [workloadId],
      ClientId: [SAMPLE.clientId],
      FlywheelStatus: ['completed'],
    });
    expect(child?.memo).toMatchObject({ job_id: created.id, model_name: MODELS[0] });
  });

  test('a run cancelled through the API ends Canceled, with its documents cancelled', async () => {
    await h.setFaults({ customization: { stall: true } });
    const { body: created } = await api.call('POST', '/api/jobs', {
      body: { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId },
    });
    const handle = h.env.client.workflow.getHandle(`flywheel-${created.id}`);
    await eventually('a customization to run', async () =>
      (await handle.query(progressQuery)).candidates.some((c) => c.customization.status === 'running')
        ? true
        : undefined,
    );
    expect((await api.call('POST', `/api/jobs/${created.id}/cancel`)).status).toBe(200);
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled', error: 'Job cancelled by user' });
    await listed(`WorkflowId='${handle.workflowId}' AND ExecutionStatus='Canceled' AND FlywheelStatus='cancelled'`, 1);
    expect((await h.documents(created.id)).run).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'Job cancelled by user',
    });
    expect((await h.counters()).live_deployments).toEqual([]);
  });

  test('a cancel sent as a raw Temporal signal (temporal workflow signal --name cancel) ends the run Canceled', async () => {
    await h.setFaults({ deployment: { never_ready: true } });
    const { body: created } = await api.call('POST', '/api/jobs', {
      body: { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId, config_name: 'single' },
    });
    const handle = h.env.client.workflow.getHandle(`flywheel-${created.id}`);
    await eventually('the candidate to deploy', async () =>
      (await handle.query(progressQuery)).candidates.some((c) => c.status === 'deploying-nim') ? true : undefined,
    );
    // The operator's CLI, not the API: only the signal, no cancel request from the client.
    const tools = process.env.FLYWHEEL_TOOLS_DIR ?? path.resolve(__dirname, '../../.tools');
    await promisify(execFile)(path.join(tools, 'venv/bin/temporal'), [
      'workflow',
      'signal',
      '--address',
      servers.TEMPORAL_ADDRESS,
      '--namespace',
      servers.TEMPORAL_NAMESPACE,
      '--workflow-id',
      handle.workflowId,
      '--name',
      'cancel',
      '--input',
      JSON.stringify('operator stopped it'),
    ]);
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled', error: 'operator stopped it' });
    await recordHistory(h, handle.workflowId, 'cancel-by-raw-signal');
    await listed(`WorkflowId='${handle.workflowId}' AND ExecutionStatus='Canceled' AND FlywheelStatus='cancelled'`, 1);
    expect((await h.documents(created.id)).run).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'operator stopped it',
    });
    expect((await h.counters()).live_deployments).toEqual([]);
  });

  test("a scheduled-style run (no job id) names its derived job in the memo, and Temporal's cancel ends it Canceled", async () => {
    await h.setFaults({ deployment: { never_ready: true } });
    const workflowId = `flywheel-scheduled-test-${randomUUID().slice(0, 8)}`;
    const handle = await h.env.client.workflow.start(FLYWHEEL_RUN_WORKFLOW, {
      taskQueue: h.taskQueue,
      workflowId,
      args: [
        { workloadId: SAMPLE.workloadId, clientId: SAMPLE.clientId, scheduleId: 'test' } satisfies FlywheelRunInput,
      ],
    });
    const jobId = await eventually('the derived job id', async () => {
      const p = await handle.query(progressQuery);
      return p.candidates.some((c) => c.status === 'deploying-nim') ? p.jobId : undefined;
    });
    expect((await handle.describe()).memo).toMatchObject({ job_id: jobId });
    await handle.cancel();
    expect(await h.result(handle)).toMatchObject({ jobId, status: 'cancelled' });
    await listed(`WorkflowId='${workflowId}' AND ExecutionStatus='Canceled'`, 1);
    await listed(
      `WorkflowId STARTS_WITH '${workflowId}-' AND WorkflowType='candidateRun' AND FlywheelStatus='cancelled'`,
      2,
    );
    expect((await h.documents(jobId)).run).toMatchObject({ status: 'cancelled', schedule_id: 'test' });
  });
});
