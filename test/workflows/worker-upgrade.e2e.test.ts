import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { stringify } from 'yaml';
import { currentBuildId } from '../../worker/promote';
import { progressQuery, type RunProgress } from '../../workflows/contract';
import { type GpuLedgerState, gpuLedgerStateQuery } from '../../workflows/gpu-budget-contract';
import { eventually, FlywheelHarness, MODELS } from '../support/flywheel-harness';
import { workflowBundle } from '../support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { buildWorkflowVariant, sleepAfterDeploy } from '../support/workflow-variant';

// Exercises: worker/main.ts, worker/health-server.ts (spawned as a child process, so no import names them; /healthz and /metrics read)

// A deploy in the middle of a run, as an operator does it: build A runs a run, A's worker is
// stopped mid-run, build B (whose candidate workflow issues a timer after the deployment:
// nondeterministic for A's histories) starts and becomes the current version. The run started
// on A is pinned: B never executes it, it finishes on A's code once A's worker is back (pinned
// versions stay up until drained), and it leaves no GPU lease behind; a run started after the
// deploy runs on B. Then a wrong move (an A-pinned worker told to run B's history) shows up as
// a nondeterminism error in that worker's Prometheus metrics within a minute.

const { PINNED_OVERRIDE_BEHAVIOR_PINNED } = temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior;
const { EVENT_TYPE_TIMER_STARTED, EVENT_TYPE_WORKFLOW_TASK_FAILED } = temporal.api.enums.v1.EventType;

describe('upgrading the worker mid-run', () => {
  // slow enough that a poll catches the run between a candidate's deployment and its end
  const h = new FlywheelHarness({ timeScale: 0.06, worker: false });
  const deploymentName = `flywheel-upgrade-${randomUUID().slice(0, 8)}`;
  const live: ChildProcess[] = [];
  let dir: string;
  let env: Record<string, string>;
  let bundleB: string;

  beforeAll(async () => {
    await h.start();
    dir = mkdtempSync(path.join(tmpdir(), 'flywheel-upgrade-'));
    // two candidates, one GPU: the second waits for the first's lease across the upgrade
    const config = h.config({ customize: false, gpuBudget: 1 });
    writeFileSync(path.join(dir, 'flywheel.yaml'), stringify(config));
    mkdirSync(path.join(dir, 'named'));
    const oneModel = h.config({ models: [MODELS[0] as string], customize: false, gpuBudget: 1 });
    writeFileSync(path.join(dir, 'named', 'one-model.yaml'), stringify(oneModel));
    writeFileSync(path.join(dir, 'bundle-a.js'), (await workflowBundle()).code);
    bundleB = await buildWorkflowVariant({ 'candidate-run.ts': sleepAfterDeploy });
    writeFileSync(path.join(dir, 'bundle-b.js'), bundleB);
    env = {
      FLYWHEEL_CONFIG: path.join(dir, 'flywheel.yaml'),
      FLYWHEEL_CONFIG_DIR: path.join(dir, 'named'),
      FLYWHEEL_DEPLOYMENT_NAME: deploymentName,
    };
  }, 240_000);
  afterAll(async () => {
    for (const w of live) if (w.exitCode === null) w.kill('SIGKILL');
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (id: 'A' | 'B', promote: boolean) =>
    startWorkerProcess(
      h,
      {
        ...env,
        FLYWHEEL_BUILD_ID: id,
        FLYWHEEL_WORKER_PROMOTE: promote ? '1' : '0',
        FLYWHEEL_WORKFLOW_BUNDLE: path.join(dir, `bundle-${id.toLowerCase()}.js`),
      },
      live,
    );
  const childIds = async (run: WorkflowHandle) =>
    ((await run.fetchHistory()).events ?? []).flatMap((e) => {
      const id = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      return id ? [id] : [];
    });
  const events = async (workflowId: string) =>
    (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const versionOf = async (workflowId: string) => {
    const info = (await h.env.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo;
    return { behavior: info?.versioningInfo?.behavior, buildId: info?.versioningInfo?.deploymentVersion?.buildId };
  };
  const candidateStatus = async (run: WorkflowHandle, i: number) =>
    ((await run.query(progressQuery)) as RunProgress).candidates[i]?.status;
  const ledgerState = () =>
    h.env.client.workflow.getHandle(h.gpuLedgerId).query(gpuLedgerStateQuery) as Promise<GpuLedgerState>;

  let a: WorkerProcess;
  let b: WorkerProcess;
  let runOnA: WorkflowHandle;
  let runOnB: WorkflowHandle;

  test('a run started on A finishes on A after B became current; a run started after the deploy is on B', async () => {
    a = await build('A', true);
    await a.waitFor('is the current version');
    runOnA = await h.startRun({ jobId: randomBytes(12).toString('hex') });
    // mid-run: the first candidate past its deployment (the second waits for its GPU)
    await eventually(
      'the first candidate to be past its deployment',
      async () => ((await candidateStatus(runOnA, 0)) === 'running-evals' ? true : undefined),
      180_000,
    ).catch(async (err) => {
      const progress = await runOnA.query(progressQuery).catch((e) => String(e));
      throw new Error(`${err}; progress ${JSON.stringify(progress)}; worker A:\n${a.output().slice(-4000)}`);
    });
    await a.stop();

    b = await build('B', true);
    await b.waitFor('is the current version');
    expect(await currentBuildId(h.env.client, 'default', deploymentName)).toBe('B');
    runOnB = await h.startRun({ jobId: randomBytes(12).toString('hex'), configName: 'one-model' });

    // the old version stays up until its pinned runs drain
    a = await build('A', false);
    expect(await h.result(runOnA)).toMatchObject({ status: 'completed', candidatesFailed: 0 });

    const aChildren = await childIds(runOnA);
    expect(aChildren).toHaveLength(2);
    for (const id of [runOnA.workflowId, ...aChildren]) {
      expect(await versionOf(id)).toEqual({
        behavior: temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
        buildId: 'A',
      });
      const history = await events(id);
      // B never ran any of it (it would have failed the task), and it ran A's code: no timer
      expect(history.filter((e) => e.eventType === EVENT_TYPE_WORKFLOW_TASK_FAILED)).toEqual([]);
      expect(history.filter((e) => e.eventType === EVENT_TYPE_TIMER_STARTED)).toEqual([]);
    }
    // ...and B's code could not have run it
    const deployed = await h.env.client.workflow.getHandle(aChildren[0] as string).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code: bundleB } }, deployed, aChildren[0]),
    ).rejects.toThrow(DeterminismViolationError);

    expect(await versionOf(runOnB.workflowId)).toMatchObject({ buildId: 'B' });
    await eventually('the run on B to pass its deployment', async () =>
      (await childIds(runOnB)).length === 1 ? true : undefined,
    );
  }, 600_000);

  test('no GPU lease is left behind, and the ledger moved to B', async () => {
    const state = await eventually('the ledger to hold only the run on B', async () => {
      const s = await ledgerState();
      return s.held.every((l) => l.holderId.startsWith(runOnB.workflowId)) && s.waiting.length === 0 ? s : undefined;
    });
    expect(state.held.filter((l) => l.holderId.startsWith(runOnA.workflowId))).toEqual([]);
    expect(await versionOf(h.gpuLedgerId)).toEqual({
      behavior: temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
      buildId: 'B',
    });
  });

  test("a nondeterminism error shows in the worker's Prometheus metrics within a minute", async () => {
    const [candidate] = await childIds(runOnB);
    const handle = h.env.client.workflow.getHandle(candidate as string);
    await eventually(
      'B to have run its timer',
      async () =>
        (await events(candidate as string)).some((e) => e.eventType === EVENT_TYPE_TIMER_STARTED) ? true : undefined,
      120_000,
    );
    const failures = async () =>
      metricSum(await (await fetch(`${a.url}/metrics`)).text(), 'temporal_workflow_task_execution_failed', {
        failure_reason: 'NonDeterminismError',
      });
    const before = await failures();
    // the wrong move: B's run pinned to A, which then has to replay B's history
    await setOverride(candidate as string, 'A');
    await handle.signal('poke'); // a workflow task to run now
    const started = Date.now();
    await eventually(
      'A to report a nondeterminism error',
      async () => ((await failures()) > before ? true : undefined),
      60_000,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    const health = await fetch(`${a.url}/healthz`);
    expect(health.status).toBe(200); // the worker itself is fine; the workflow is stuck

    // undone: back on B, the run completes and leaves nothing behind
    await setOverride(candidate as string, undefined);
    await handle.signal('poke');
    expect(await h.result(runOnB)).toMatchObject({ status: 'completed', candidatesFailed: 0 });
    const state = await eventually('the ledger to be empty', async () => {
      const s = await ledgerState();
      return s.held.length === 0 && s.waiting.length === 0 ? s : undefined;
    });
    expect(state.held).toEqual([]);
    await a.stop();
    await b.stop();
  }, 300_000);

  async function setOverride(workflowId: string, buildId: string | undefined) {
    await h.env.client.workflowService.updateWorkflowExecutionOptions({
      namespace: 'default',
      workflowExecution: { workflowId },
      workflowExecutionOptions: {
        versioningOverride: buildId
          ? { pinned: { behavior: PINNED_OVERRIDE_BEHAVIOR_PINNED, version: { deploymentName, buildId } } }
          : null,
      },
      updateMask: { paths: ['versioning_override'] },
    });
  }
});

/** The sum of a Prometheus metric's samples whose labels include `labels`. */
function metricSum(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:][a-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/i.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => present.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}
