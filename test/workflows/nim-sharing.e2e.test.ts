import { randomBytes } from 'node:crypto';
import { sharedDeploymentName } from '../../activities/naming';
import type { FlywheelConfig } from '../../config/schema';
import { candidateWorkflowId, workflowIdForJob } from '../../workflows/contract';
import { configureGpuLedgerSignal, gpuLedgerStateQuery } from '../../workflows/gpu-budget-contract';
import { type EmulatorGpus, eventually, FlywheelHarness, MODELS } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';

// NIM sharing (gpu_policy.share_nims) on the real servers against the emulator: runs that need a
// NIM of the same model at the same time hold one deployment, counted from the emulator's live
// deployments; the last user tears it down, a cancelled user leaves it to the others, and a
// terminated last user's NIM is deleted by the ledger.

// NIMs are held through training (`hold`), and training stalls (an emulator fault) until the
// runs meet on their NIM, so they overlap whatever the machine's speed.
const h = new FlywheelHarness({ timeScale: 0.01 });
beforeAll(() => h.start(), 120_000);
afterAll(() => h.close());

const newJob = () => randomBytes(12).toString('hex');
const shared = MODELS[0] as string;
const unshared = MODELS[1] as string;

function configFor(name: string, model: string, shareNims: boolean): string {
  const base = h.config({ gpuBudget: 8, models: [model], shareNims });
  const config: FlywheelConfig = { ...base, gpu_policy: { ...base.gpu_policy, nim_release: 'hold' } };
  h.configs.set(name, config);
  return name;
}

const sharedName = () => {
  const nim = h.config({ models: [shared] }).nims[0];
  return sharedDeploymentName(shared, nim?.tag ?? 'latest', nim?.gpus ?? 1);
};

/** Emulator ids are `<namespace>/<name>`. */
const isShared = (id: string) => id.split('/').pop() === sharedName();

const live = (gpus: EmulatorGpus, match: (name: string) => boolean) =>
  Object.entries(gpus.deployments).filter(([name, d]) => match(name) && d.holding);

const ledger = () => h.env.client.workflow.getHandle(h.gpuLedgerId).query(gpuLedgerStateQuery);

async function customizedScores(jobId: string) {
  const docs = await h.documents(jobId);
  const customized = docs.evaluations.filter((e) => e.eval_type === 'customized-eval' && e.status === 'completed');
  return { customized, models: docs.customizations.map((c) => c.customized_model) };
}

test('two runs of one model hold one deployment and both complete with their own adapters; with sharing off each has its own', async () => {
  const on = [newJob(), newJob()];
  const off = [newJob(), newJob()];
  const onConfig = configFor('share-on', shared, true);
  const offConfig = configFor('share-off', unshared, false);
  await h.setFaults({ customization: { stall: true } });
  const handles = await Promise.all([
    ...on.map((jobId) => h.startRun({ jobId, configName: onConfig })),
    ...off.map((jobId) => h.startRun({ jobId, configName: offConfig })),
  ]);
  let sawTwoUsers = false;
  const watchLedger = (async () => {
    for (let i = 0; i < 6000 && !sawTwoUsers; i++) {
      const state = await ledger().catch(() => undefined);
      sawTwoUsers = (state?.held.filter((l) => l.share?.deployment.name === sharedName()).length ?? 0) >= 2;
      await new Promise((r) => setTimeout(r, 20));
    }
    await h.clearFaults();
  })();
  const { result, samples } = await h.sampleGpus(Promise.all(handles.map((handle) => h.result(handle))));
  await watchLedger;

  expect(result.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  expect(result.every((r) => r.candidatesFailed === 0)).toBe(true);
  expect(sawTwoUsers).toBe(true);
  // Sharing on: one deployment of the model, never a second, created once; no per-run one.
  const isOwn = (jobId: string) => (name: string) => name.includes(jobId.slice(-8));
  expect(Math.max(...samples.map((s) => live(s, isShared).length))).toBe(1);
  expect(samples.every((s) => on.every((jobId) => live(s, isOwn(jobId)).length === 0))).toBe(true);
  const counters = await h.counters();
  expect(
    Object.entries(counters.created.deployments)
      .filter(([n]) => isShared(n))
      .map(([, c]) => c),
  ).toEqual([1]);
  // Sharing off: each run deployed its own, as before.
  for (const jobId of off) expect(Object.keys(counters.created.deployments).filter(isOwn(jobId))).toHaveLength(1);
  // Each run evaluated its own LoRA adapter on the shared NIM.
  const models = new Set<string>();
  for (const jobId of on) {
    const { customized, models: own } = await customizedScores(jobId);
    expect(customized).toHaveLength(1);
    expect(Object.keys(customized[0]?.scores ?? {}).length).toBeGreaterThan(0);
    for (const m of own) models.add(String(m));
  }
  expect(models.size).toBe(2);
  for (const [i, jobId] of on.entries()) await recordHistory(h, workflowIdForJob(jobId), `shared-nim-${i}`);
  // The last release tore it down; the ledger holds nothing.
  const final = await h.gpus();
  expect(live(final, () => true)).toEqual([]);
  const state = await ledger();
  expect(state.held).toEqual([]);
  expect(state.orphans ?? []).toEqual([]);
}, 420_000);

test('cancelling one user leaves the shared NIM up for the other, which completes; its last release tears it down', async () => {
  const [a, b] = [newJob(), newJob()];
  const config = configFor('share-cancel', shared, true);
  await h.setFaults({ customization: { stall: true } });
  const [ha, hb] = await Promise.all([a, b].map((jobId) => h.startRun({ jobId, configName: config })));
  await eventually(
    'both runs on the shared NIM',
    async () => {
      const users = (await ledger()).held.filter((l) => l.share?.deployment.name === sharedName());
      const ready = live(await h.gpus(), isShared).length === 1;
      return users.length >= 2 && ready ? true : undefined;
    },
    120_000,
  );
  await ha?.cancel();
  await expect(ha?.result()).rejects.toThrow();
  // a's candidate is gone from the ledger; the NIM is still up for b
  const afterCancel = await ledger();
  expect(afterCancel.held.filter((l) => l.holderId.includes(a)).length).toBe(0);
  expect(afterCancel.held.filter((l) => l.share?.deployment.name === sharedName()).length).toBe(1);
  expect(live(await h.gpus(), isShared)).toHaveLength(1);
  await h.clearFaults();
  const { result, samples } = await h.sampleGpus(h.result(hb as NonNullable<typeof hb>));
  expect(result.status).toBe('completed');
  expect(result.candidatesFailed).toBe(0);
  // up without a break until b was done with it, then torn down
  const firstGone = samples.findIndex((s) => live(s, isShared).length === 0);
  expect(firstGone === -1 || samples.slice(firstGone).every((s) => live(s, isShared).length === 0)).toBe(true);
  expect((await customizedScores(b)).customized).toHaveLength(1);
  expect(live(await h.gpus(), () => true)).toEqual([]);
  expect((await ledger()).held).toEqual([]);
  await recordHistory(h, workflowIdForJob(a), 'shared-nim-cancelled');
  await recordHistory(h, workflowIdForJob(b), 'shared-nim-survivor');
}, 420_000);

test("a terminated last user's shared NIM is deleted by the ledger", async () => {
  await h.env.client.workflow.signalWithStart('gpuBudget', {
    workflowId: h.gpuLedgerId,
    taskQueue: h.taskQueue,
    args: [],
    signal: configureGpuLedgerSignal,
    signalArgs: [{ livenessCheckMs: 300 }],
  });
  const jobId = newJob();
  await h.setFaults({ customization: { stall: true } });
  const handle = await h.startRun({ jobId, configName: configFor('share-terminate', shared, true) });
  await eventually(
    'the shared NIM up',
    async () => (live(await h.gpus(), isShared).length === 1 ? true : undefined),
    60_000,
  );
  // the candidate terminated (an operator's `temporal workflow terminate`): nobody tears the NIM down
  await h.env.client.workflow
    .getHandle(candidateWorkflowId(workflowIdForJob(jobId), shared))
    .terminate('test: a candidate terminated');
  await h.clearFaults();
  await eventually(
    'the ledger to delete the orphaned NIM',
    async () => {
      const state = await ledger();
      const gone = live(await h.gpus(), isShared).length === 0;
      return gone && state.held.length === 0 && (state.orphans ?? []).length === 0 ? true : undefined;
    },
    60_000,
  );
  expect((await ledger()).reclaimed.some((r) => r.leaseId.includes(jobId))).toBe(true);
  await h.result(handle).catch(() => undefined);
}, 300_000);
