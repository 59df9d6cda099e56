import { randomUUID } from 'node:crypto';
import { DATASET_FILES, datasetNames } from '../../pipeline/dataset-names';
import { FlywheelHarness, MODELS, SAMPLE, testNemo } from '../support/flywheel-harness';

// Resets repair what they reuse. A reset reuses the datasets recorded in MongoDB only after checking the datastore still holds
// them: when it lost them, `temporal workflow reset` rebuilds them under the same names and the
// run completes, where it used to fail again with "Dataset … not found".

const h = new FlywheelHarness({ timeScale: 0.01 });
beforeAll(() => h.start(), 120_000);
afterAll(() => h.close());

test('after the datastore lost a run’s datasets, a reset rebuilds them and completes the run', async () => {
  const config = h.config({ models: [MODELS[0] as string], customize: false });
  h.configs.set('single', config);
  const first = await h.startRun({ configName: 'single' });
  const jobId = first.workflowId.replace('flywheel-', '');
  expect(await h.result(first)).toMatchObject({ status: 'completed' });

  const nemo = testNemo(config);
  const ns = config.nmp_config.nmp_namespace;
  const names = datasetNames(SAMPLE.workloadId, jobId);
  const before = await nemo.datastore.readFile(ns, names.eval, DATASET_FILES.eval);
  for (const name of Object.values(names)) await nemo.datastore.deleteRepo(ns, name);
  expect(await nemo.datastore.getRepo(ns, names.eval)).toBeUndefined();

  const { handle: reset, runId } = await h.resetToStart(first, 'datastore was wiped');
  expect(await h.result(reset)).toMatchObject({ jobId, status: 'completed', candidatesFailed: 0 });

  // rebuilt under the same names, with the same eval rows (the split is seeded by the run)
  expect((await nemo.datastore.listFiles(ns, names.train))?.sort()).toEqual([DATASET_FILES.train, DATASET_FILES.val]);
  expect(await nemo.datastore.readFile(ns, names.eval, DATASET_FILES.eval)).toBe(before);
  const docs = await h.documents(jobId);
  expect(docs.run).toMatchObject({ status: 'completed', error: null, workflow_run_id: runId });
  expect(docs.evaluations.map((e) => [e.eval_type, e.status, e.error])).toEqual([
    ['base-eval', 'completed', null],
    ['icl-eval', 'completed', null],
  ]);
}, 180_000);

test('after a candidate’s customization job failed, a reset makes a fresh job and completes the run', async () => {
  const model = MODELS[0] as string;
  h.configs.set('single-customized', h.config({ models: [model] }));
  const jobId = randomUUID().replace(/-/g, '').slice(0, 24);
  // the emulator fails this run's customization job of the model (job names are slugged)
  await h.setFaults({ customization: { fail: [`${jobId}-meta-llama-3-2-1b`] } });
  const first = await h.startRun({ jobId, configName: 'single-customized' });
  // its only candidate failed, so the run failed
  expect(await h.result(first)).toMatchObject({ status: 'failed', candidatesFailed: 1 });
  const failedJobs = Object.keys((await h.counters()).created.customization_jobs).filter((n) => n.includes(jobId));
  expect(failedJobs).toHaveLength(1);
  await h.clearFaults();

  const { handle: reset, runId } = await h.resetToStart(first, 'customization failed; cluster repaired');
  expect(await h.result(reset)).toMatchObject({ jobId, status: 'completed', candidatesFailed: 0 });

  // a second job was created next to the failed one (never the failed one found again)
  const created = (await h.counters()).created.customization_jobs;
  const jobs = Object.entries(created).filter(([name]) => name.includes(jobId));
  expect(jobs).toHaveLength(2);
  expect(jobs.every(([, times]) => times === 1)).toBe(true);
  const docs = await h.documents(jobId);
  expect(docs.run).toMatchObject({ status: 'completed', error: null, workflow_run_id: runId });
  expect(docs.customizations.map((c) => [c.status, c.error])).toEqual([['completed', null]]);
  expect(docs.evaluations.map((e) => [e.eval_type, e.status]).sort()).toEqual([
    ['base-eval', 'completed'],
    ['customized-eval', 'completed'],
    ['icl-eval', 'completed'],
  ]);
  expect((await h.counters()).live_deployments).toEqual([]);
}, 240_000);
