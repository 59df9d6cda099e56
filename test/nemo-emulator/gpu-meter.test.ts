import { toolCallingConfig } from './eval-configs';
import { shopLogs } from './fixtures';
import { deploymentBody, Emulator, jsonl } from './support';

// The GPU meter charges an evaluation's work to a NIM that can answer it: a ready deployment of
// the target's model, never one still loading (the NIM proxy routes only to ready NIMs).

const NS = 'meter';
const BASE = 'meta/llama-3.2-1b-instruct';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.01 });
});
afterAll(() => emulator.close());

test('an evaluation is charged to the ready NIM of its model, not an older one still loading', async () => {
  await emulator.setFaults({ deployment: { never_ready: ['loading-1b'] } });
  await emulator.ok('POST', '/v1/deployment/model-deployments', deploymentBody(NS, 'loading-1b', BASE));
  await emulator.deployAndWait(NS, BASE);
  await emulator.uploadDataset(NS, 'eval', { 'eval_data.jsonl': jsonl(shopLogs(6, 3)) });
  const job = await emulator.ok('POST', '/v1/evaluation/jobs', {
    config: toolCallingConfig(`hf://datasets/${NS}/eval/eval_data.jsonl`, emulator.url),
    target: { type: 'model', model: BASE },
  });
  expect((await emulator.waitForJob(`/v1/evaluation/jobs/${job.id}`)).status).toBe('completed');
  const { deployments } = await emulator.gpus();
  expect(deployments[`${NS}/loading-1b`]?.working_gpu_seconds).toBe(0);
  expect(deployments[`${NS}/${BASE.replace(/\//g, '-')}`]?.working_gpu_seconds).toBeGreaterThan(0);
});
