import { progressOf } from '../../api/jobs/progress';
import { eventually, FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { apiOverHarness, terminateLeftovers } from './harness-app';

// One source of run state (api/jobs/progress.ts): GET /api/jobs/{id}/progress and the job
// detail read the same stored documents through the same mapper, so they agree at every moment
// of a real run, an evaluation's percentage included while it is under way. One candidate,
// no customization, the emulator's evaluations paused a third of the way in (a stall fault), so
// the mid-run moment is held still rather than caught by timing.

const h = new FlywheelHarness({ timeScale: 0.01 });
let api: ReturnType<typeof apiOverHarness>['api'];
let logged: string[] = [];
const model = MODELS[0] as string;

beforeAll(async () => {
  await h.start();
  h.configs.set('default', h.config({ models: [model], customize: false }));
  ({
    api,
    logger: { lines: logged },
  } = apiOverHarness(h));
}, 120_000);
afterEach(() => {
  // an unexpected 500 fails the test through the OpenAPI check; its cause is in the API's log
  const errors = logged.filter((l) => l.includes('"unhandled error"'));
  if (errors.length > 0) process.stdout.write(`API errors:\n${errors.join('\n')}\n`);
});
afterAll(async () => {
  await h.clearFaults();
  await terminateLeftovers(h);
  await h.close();
});

type Progress = ReturnType<typeof progressOf>;

test('progress and the job detail agree throughout a run, evaluation progress > 0 in both mid-run', async () => {
  await h.setFaults({ evaluation: { stall: [model] } });
  const created = await api.call('POST', '/api/jobs', {
    body: { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId, data_split_config: { eval_size: 8 } },
  });
  expect(created.status).toBe(200);
  const id = created.body.id as string;

  // Every poll: detail, progress, detail. When the two details are the same, nothing moved in
  // between, and the progress must be exactly the detail's state.
  let compared = 0;
  const poll = async () => {
    const before = await api.call('GET', `/api/jobs/${id}`);
    const live = await api.call('GET', `/api/jobs/${id}/progress`);
    const after = await api.call('GET', `/api/jobs/${id}`);
    if (live.status !== 200 || JSON.stringify(before.body) !== JSON.stringify(after.body)) return undefined;
    // (the pending steps are Temporal's: only /progress has them)
    expect(live.body).toEqual(progressOf(after.body, live.body.pending_steps));
    compared++;
    return { detail: after.body, live: live.body as Progress };
  };

  const stalled = await eventually(
    'an evaluation under way, paused part way',
    async () => {
      const seen = await poll();
      const evaluation = seen?.detail.nims[0]?.evaluations[0];
      return evaluation && evaluation.status === 'running' && evaluation.progress > 0 ? seen : undefined;
    },
    60_000,
  );
  const inDetail = stalled.detail.nims[0].evaluations[0];
  const inProgress = stalled.live.candidates[0]?.evaluations[0];
  expect(inDetail.progress).toBeGreaterThan(0);
  expect(inDetail.progress).toBeLessThan(100);
  expect(inProgress).toMatchObject({ eval_type: inDetail.eval_type, status: 'running', progress: inDetail.progress });
  expect(stalled.live).toMatchObject({ phase: 'running-candidates', candidates: [{ status: 'running-evals' }] });
  // Temporal's part: the evaluation's activity is pending on the candidate's workflow.
  expect(stalled.live.pending_steps.some((s) => s.candidate === model)).toBe(true);

  await h.clearFaults();
  await eventually('the run to finish', async () => {
    const res = await api.call('GET', `/api/jobs/${id}`);
    if (res.body.finished_at) return res;
    await poll();
    return undefined;
  });
  expect(compared).toBeGreaterThan(1);
  expect((await api.call('GET', `/api/jobs/${id}/progress`)).status).toBe(409);
}, 120_000);
