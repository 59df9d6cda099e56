import { ApplicationFailure } from '@temporalio/common';
import { resolveConfigByReference } from '../../activities/config-reference';
import { type FlywheelConfig, FlywheelConfigSchema } from '../../config/schema';
import { candidateWorkflowId } from '../../workflows/contract';
import { FlywheelHarness, MODELS } from '../support/flywheel-harness';

// A run stores its config once; activities take it by reference. Checked on a real run's
// histories (parent and candidate), not on the workflow code's intent.

type Scheduled = { activityType: string; input: Record<string, unknown> };

describe('a run config is stored once and activities take it by reference', () => {
  const h = new FlywheelHarness({ timeScale: 0.01 });
  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.close());

  async function scheduledActivities(workflowId: string): Promise<Scheduled[]> {
    const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      if (!a) return [];
      const payload = a.input?.payloads?.[0]?.data;
      const input = payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : {};
      // the GPU ledger's activities take plain values
      return typeof input === 'object' && input !== null ? [{ activityType: a.activityType?.name ?? '', input }] : [];
    });
  }

  test('no activity input carries the config; the config-taking ones name the run', async () => {
    h.configs.set('one-model', h.config({ models: MODELS.slice(0, 1) }));
    const handle = await h.startRun({ configName: 'one-model' });
    const jobId = handle.workflowId.replace('flywheel-', '');
    expect((await h.result(handle)).status).toBe('completed');

    const stored = await h.results.getRunConfig(jobId);
    expect(FlywheelConfigSchema.parse(stored)).toEqual(FlywheelConfigSchema.parse(h.configs.get('one-model')));

    const scheduled = [
      ...(await scheduledActivities(handle.workflowId)),
      ...(await scheduledActivities(candidateWorkflowId(handle.workflowId, MODELS[0] as string))),
    ];
    const types = new Set(scheduled.map((s) => s.activityType));
    for (const expected of ['createDatasets', 'deployCandidate', 'runEvaluation', 'teardownDeployment']) {
      expect(types).toContain(expected);
    }
    expect(scheduled.filter((s) => 'config' in s.input).map((s) => s.activityType)).toEqual([]);
    const byReference = scheduled.filter((s) => 'configRef' in s.input);
    expect(byReference.length).toBeGreaterThanOrEqual(6);
    expect(new Set(byReference.map((s) => s.input.configRef))).toEqual(new Set([jobId]));
  }, 180_000);

  test('a reference to a run with no stored config fails without retrying, naming the run', async () => {
    const activities = resolveConfigByReference(
      { echo: async (input: { jobId: string; config: FlywheelConfig }) => input.config },
      h.results,
    );
    const failure = await activities.echo({ jobId: 'x', configRef: 'no-such-run' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toContain('no-such-run');

    await h.results.saveRunConfig('stored-run', h.config());
    await expect(activities.echo({ jobId: 'x', configRef: 'stored-run' })).resolves.toEqual(
      FlywheelConfigSchema.parse(h.config()),
    );
    // a copy passed by older workflow code is used as it is
    const copy = { ...h.config(), gpu_budget: 7 };
    await expect(activities.echo({ jobId: 'x', config: copy })).resolves.toBe(copy);
  });

  test('deleting a run removes its stored config', async () => {
    await h.results.saveRunConfig('to-delete', h.config());
    await h.results.deleteRunDocuments('to-delete');
    expect(await h.results.getRunConfig('to-delete')).toBeNull();
  });
});
