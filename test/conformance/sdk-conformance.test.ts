import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningEmulator, startEmulator } from '../../nemo-emulator/server';
import { runDriver } from './sdk-driver';

// NVIDIA's official SDK (nemo-microservices 1.5.0, strict response validation) runs every NeMo
// operation Flywheel depends on against the emulator; huggingface_hub checks the Datastore's
// Hub API and the openai package the NIM routes. Any mismatch is listed by name.

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timeScale: 0.001, seed: 5, profile: 'realistic' });
});
afterAll(() => emulator?.close());

const ns = () => `conf-${randomBytes(3).toString('hex')}`;

test('every SDK operation validates strictly, every status is in the SDK enum, every error is the SDK class', async () => {
  const report = await runDriver(['operations', emulator.url, ns()]);
  expect(report.failures).toEqual([]);
  expect(report.checks.length).toBeGreaterThanOrEqual(50);
}, 300_000);

test('huggingface_hub creates, uploads, lists, downloads and deletes on the Datastore', async () => {
  const report = await runDriver(['datastore', emulator.url, ns()]);
  expect(report.failures).toEqual([]);
  expect(report.checks).toHaveLength(7);
}, 120_000);

test('the openai package drives the NIM routes (models, chat with tools, embeddings, not found)', async () => {
  const report = await runDriver(['nim', emulator.url]);
  expect(report.failures).toEqual([]);
  expect(report.checks).toHaveLength(5);
}, 120_000);

test('the request checker refuses unknown keys, missing required keys and values outside an enum', async () => {
  const file = path.join(tmpdir(), `conf-bad-${randomBytes(4).toString('hex')}.json`);
  await writeFile(
    file,
    JSON.stringify([
      { route: 'POST /v1/evaluation/jobs', body: { name: 'x', config: 'ns/c', target: 'ns/t' } },
      { route: 'POST /v1/customization/jobs', body: { config: 'ns/c', dataset: 'ns/d' } },
      {
        route: 'POST /v1/customization/configs',
        body: {
          name: 'c',
          namespace: 'n',
          target: 't',
          training_precision: 'bf17',
          max_seq_length: 1,
          training_options: [],
        },
      },
      { route: 'POST /v1/namespaces', body: { id: 'fine' } },
    ]),
  );
  const report = await runDriver(['requests', file]);
  const errors = report.failures.map((f) => f.error);
  expect(errors).toHaveLength(3);
  expect(errors[0]).toContain('body.name: unknown key');
  expect(errors[1]).toContain('body.hyperparameters: required');
  expect(errors[2]).toContain("'bf17' is not one of");
  expect(report.checks).toEqual(['request 3: POST /v1/namespaces']);
}, 60_000);
