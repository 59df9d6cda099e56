import { createNemoClient, type NemoClient, NemoPermanentError } from '../../nemo-client';
import type { DeploymentSpec } from '../../nemo-client/deployments';
import {
  EMBEDDING_MODEL,
  JUDGE_MODEL,
  type NemoTarget,
  SLOW_TEST_MS,
  startNemoTarget,
  TEST_MODEL,
  unique,
  WAIT,
} from './support';

// Exercises: nemo-client/nim.ts (called through the client this file creates, against the emulator)

// Deployment Management and the NIM proxy: deploy by name (never twice), wait until ready and
// served, chat with tools, embeddings, teardown.

let target: NemoTarget;
let client: NemoClient;
let ns: string;

beforeAll(async () => {
  target = await startNemoTarget();
  client = createNemoClient(target.config);
  ns = target.config.namespace;
  await client.ensureNamespace(ns);
});
afterAll(() => target.close());

const spec = (name: string, model = TEST_MODEL): DeploymentSpec => ({
  name,
  namespace: ns,
  config: {
    model,
    nim_deployment: {
      image_name: `nvcr.io/nim/${model}`,
      image_tag: 'latest',
      pvc_size: '25Gi',
      gpu: 1,
      additional_envs: { NIM_GUIDED_DECODING_BACKEND: 'outlines' },
    },
  },
});

describe('model deployments', () => {
  test(
    'ensure creates a deployment once, waits until ready and served, and deletes it',
    async () => {
      const name = unique('fw-deploy');
      const first = await client.deployments.ensure(spec(name));
      expect(first.created).toBe(true);
      expect(first.deployment).toMatchObject({ name, namespace: ns });
      expect(['created', 'pending', 'ready']).toContain(first.deployment.status_details.status);
      const again = await client.deployments.ensure(spec(name));
      expect(again.created).toBe(false);
      if (target.admin) {
        expect((await target.admin.counters()).created.deployments[`${ns}/${name}`]).toBe(1);
      }

      const ready = await client.deployments.waitUntilReady(ns, name, WAIT);
      expect(ready.status_details.status).toBe('ready');
      await client.nim.waitUntilServed(TEST_MODEL, WAIT);
      expect(await client.nim.isServed(TEST_MODEL)).toBe(true);
      expect((await client.deployments.list()).map((d) => d.name)).toContain(name);

      expect(await client.deployments.delete(ns, name)).toBe(true);
      // DMS may still show it as deleting; a second delete must not fail either way
      await expect(client.deployments.delete(ns, name)).resolves.toEqual(expect.any(Boolean));
      if (target.admin) expect((await target.admin.counters()).live_deployments).not.toContain(`${ns}/${name}`);
    },
    SLOW_TEST_MS,
  );

  test('two concurrent ensures of one name end with a single deployment (409 read as exists)', async () => {
    const name = unique('fw-race');
    const results = await Promise.all([client.deployments.ensure(spec(name)), client.deployments.ensure(spec(name))]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.map((r) => r.deployment.name)).toEqual([name, name]);
    if (target.admin) expect((await target.admin.counters()).created.deployments[`${ns}/${name}`]).toBe(1);
    await client.deployments.delete(ns, name);
  });

  test('an unknown deployment reads as absent and waiting for it fails permanently', async () => {
    const name = unique('fw-none');
    expect(await client.deployments.get(ns, name)).toBeUndefined();
    const waited = await client.deployments.waitUntilReady(ns, name, WAIT).catch((e) => e);
    expect(waited).toBeInstanceOf(NemoPermanentError);
    expect(waited.status).toBe(404);
  });

  test('an invalid spec (zero GPUs) is refused with the field named', async () => {
    const bad = spec(unique('fw-bad'));
    bad.config.nim_deployment.gpu = 0;
    const failure = await client.deployments.create(bad).catch((e) => e);
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure.message).toMatch(/config\.nim_deployment\.gpu: /);
  });
});

describe('NIM proxy', () => {
  test('the always-on judge answers chat completions, tool calls included', async () => {
    expect(await client.nim.listModelIds()).toEqual(expect.arrayContaining([JUDGE_MODEL]));
    const answer = await client.nim.chat({
      model: JUDGE_MODEL,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      max_tokens: 64,
      temperature: 0,
    });
    expect(answer.choices[0]?.message.role).toBe('assistant');
    const message = answer.choices[0]?.message;
    expect(Boolean(message?.content) || (message?.tool_calls?.length ?? 0) > 0).toBe(true);
  });

  test('embeddings come back one vector per input, in order', async () => {
    const vectors = await client.nim.embed({
      model: EMBEDDING_MODEL,
      input: ['weather in Paris', 'stock price of NVDA', 'weather in Paris'],
      inputType: 'query',
    });
    expect(vectors).toHaveLength(3);
    expect(vectors[0]?.length).toBeGreaterThan(0);
    expect(vectors[0]).toEqual(vectors[2]);
    expect(vectors[0]).not.toEqual(vectors[1]);
  });

  test('a model that is not served is a permanent 404 naming the route', async () => {
    const failure = await client.nim
      .chat({ model: `${ns}/${unique('not-served')}`, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure).toMatchObject({ status: 404, method: 'POST' });
    expect(failure.path).toMatch(/\/v1\/chat\/completions$/);
  });

  test('a full route URL (as configs give for a remote judge) reaches the same endpoint', async () => {
    const judge = client.endpoint(`${target.config.nimBaseUrl}/v1/chat/completions`, target.config.apiKey);
    const answer = await judge.chat({ model: JUDGE_MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
    expect(answer.choices).toHaveLength(1);
  });
});
