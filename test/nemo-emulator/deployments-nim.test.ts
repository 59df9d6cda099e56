import OpenAI from 'openai';
import { deploymentBody, Emulator, waitFor } from './support';

// Exercises: nemo-emulator/routes/deployments.ts, nemo-emulator/routes/nim.ts, nemo-emulator/lifecycle/deployment-lifecycle.ts, nemo-emulator/models/nim-proxy.ts, nemo-emulator/http/validation.ts, nemo-emulator/http/errors.ts (served by the emulator this file starts, so no import names them)

// Deployment life cycles and the NIM proxy: a model is served only while its deployment is
// ready; chat and embeddings answer in the OpenAI shape (the openai package parses them).

const MODEL = 'meta/llama-3.2-3b-instruct';
const EMBEDDER = 'nvidia/llama-3.2-nv-embedqa-1b-v2';
const JUDGE = 'meta/llama-3.3-70b-instruct';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.02 });
});
afterAll(() => emulator.close());

const servedIds = async (e: Emulator = emulator) =>
  (await e.ok('GET', '/v1/models')).data.map((m: { id: string }) => m.id);

test('a deployment goes created → pending → ready, and only then is its model served', async () => {
  // On a virtual clock every phase is seen whatever the machine's load: time moves only when
  // the test steps it to the end of the next emulated wait (polling a wall clock could miss a
  // phase that lasts milliseconds at a small time scale).
  const stepped = await Emulator.start({ timeScale: 1, clock: 'virtual' });
  try {
    const created = await stepped.call(
      'POST',
      '/v1/deployment/model-deployments',
      deploymentBody('dep', 'llama-3b', MODEL),
    );
    expect(created.status).toBe(200);
    expect(created.body.status_details.status).toBe('created');
    expect(await servedIds(stepped)).not.toContain(MODEL);

    const seen: string[] = [];
    for (let step = 0; step < 20; step++) {
      const d = await stepped.ok('GET', '/v1/deployment/model-deployments/dep/llama-3b');
      const status = d.status_details.status as string;
      if (seen.at(-1) !== status) seen.push(status);
      // served exactly when ready
      expect((await servedIds(stepped)).includes(MODEL)).toBe(status === 'ready');
      if (status === 'ready') break;
      await stepped.clock.advanceToNext();
    }
    expect(seen).toEqual(['created', 'pending', 'ready']);
  } finally {
    await stepped.close();
  }

  // The same life cycle on the wall clock ends served.
  await emulator.call('POST', '/v1/deployment/model-deployments', deploymentBody('dep', 'llama-3b', MODEL));
  await waitFor(async () => {
    const d = await emulator.ok('GET', '/v1/deployment/model-deployments/dep/llama-3b');
    return d.status_details.status === 'ready';
  });
  expect(await servedIds()).toContain(MODEL);

  const list = await emulator.ok('GET', '/v1/deployment/model-deployments');
  expect(list.data.map((d: { name: string }) => d.name)).toContain('llama-3b');
  expect(
    (await emulator.call('POST', '/v1/deployment/model-deployments', deploymentBody('dep', 'llama-3b', MODEL))).status,
  ).toBe(409);

  const deleting = await emulator.ok('DELETE', '/v1/deployment/model-deployments/dep/llama-3b');
  expect(deleting.message).toMatch(/deletion started/);
  // v1 has no deleting status: the record lingers with its status, nothing is served
  const lingering = await emulator.call('GET', '/v1/deployment/model-deployments/dep/llama-3b');
  if (lingering.status === 200) expect(lingering.body.status_details.status).toBe('ready');
  expect(await servedIds()).not.toContain(MODEL);
  await waitFor(
    async () => (await emulator.call('GET', '/v1/deployment/model-deployments/dep/llama-3b')).status === 404,
  );
  expect((await emulator.call('DELETE', '/v1/deployment/model-deployments/dep/llama-3b')).status).toBe(404);
});

test('a deployment without a model or GPU count is a 422 naming each field', async () => {
  const body = deploymentBody('dep', 'bad', MODEL) as { config: { model?: string; nim_deployment: { gpu?: number } } };
  delete body.config.model;
  delete body.config.nim_deployment.gpu;
  const reply = await emulator.call('POST', '/v1/deployment/model-deployments', body);
  expect(reply.status).toBe(422);
  expect(reply.body.detail.map((d: { loc: string[] }) => d.loc.join('.')).sort()).toEqual([
    'body.config.model',
    'body.config.nim_deployment.gpu',
  ]);
});

test('the judge and the embedder are always served; Entity Store list parameters get the Entity Store list', async () => {
  expect(await servedIds()).toEqual(expect.arrayContaining([JUDGE, EMBEDDER]));
  const entity = await emulator.ok('GET', '/v1/models?page=1&page_size=10');
  expect(entity).toMatchObject({ object: 'list', data: [], pagination: { total_results: 0 } });
});

test('the openai package talks to the NIM proxy: models, chat with tools, embeddings (base64 by default)', async () => {
  const client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const models = await client.models.list();
  expect(models.data.map((m) => m.id)).toContain(JUDGE);

  const chat = await client.chat.completions.create({
    model: JUDGE,
    messages: [
      {
        role: 'user',
        content: 'Rate it from 1 to 10. <reference>the sky is blue</reference> <candidate>the sky is blue</candidate>',
      },
    ],
  });
  expect(chat.choices[0]?.message.content).toMatch(/^RATING: 10/);

  const embeddings = await client.embeddings.create({
    model: EMBEDDER,
    input: ['where is my order', 'track my order', 'weather in Paris'],
  });
  const [a, b, c] = embeddings.data.map((d) => d.embedding);
  expect(a).toHaveLength(384);
  const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
  expect(dot(a as number[], a as number[])).toBeCloseTo(1, 5);
  expect(dot(a as number[], b as number[])).toBeGreaterThan(dot(a as number[], c as number[]));
});

test('embeddings are deterministic and come as floats when asked', async () => {
  const body = { model: EMBEDDER, input: ['quarterly earnings beat'], input_type: 'query', encoding_format: 'float' };
  const first = await emulator.ok('POST', '/v1/embeddings', body);
  const second = await emulator.ok('POST', '/v1/embeddings', body);
  expect(first.data[0].embedding).toEqual(second.data[0].embedding);
  expect(first.data[0].index).toBe(0);
});

test('NIM errors use the OpenAI error shape: unknown model 404, bad payload 400', async () => {
  const unknown = await emulator.call('POST', '/v1/chat/completions', {
    model: 'nobody/none',
    messages: [{ role: 'user', content: 'hi' }],
  });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({ type: 'not_found_error' });
  expect(unknown.body.error.message).toMatch(/nobody\/none/);

  const bad = await emulator.call('POST', '/v1/chat/completions', { model: JUDGE, messages: [] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/messages/);

  const wrongModel = await emulator.call('POST', '/v1/embeddings', { model: JUDGE, input: ['x'] });
  expect(wrongModel.status).toBe(404);
  expect(wrongModel.body.error).toBeDefined();

  const client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  await expect(
    client.chat.completions.create({ model: 'nobody/none', messages: [{ role: 'user', content: 'x' }] }),
  ).rejects.toMatchObject({
    status: 404,
  });
});

test('a served base model answers a tool-calling request with an OpenAI tool call', async () => {
  await emulator.ok('POST', '/v1/deployment/model-deployments', deploymentBody('dep', 'tools', MODEL));
  await waitFor(async () => (await servedIds()).includes(MODEL));
  const reply = await emulator.ok('POST', '/v1/chat/completions', {
    model: MODEL,
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'weather forecast for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ],
    tool_choice: 'required',
  });
  const message = reply.choices[0].message;
  expect(reply.choices[0].finish_reason).toBe('tool_calls');
  expect(message.tool_calls[0].function.name).toBe('get_weather');
  expect(typeof message.tool_calls[0].function.arguments).toBe('string');
  expect(Object.keys(JSON.parse(message.tool_calls[0].function.arguments))).toEqual(['city']);
});
