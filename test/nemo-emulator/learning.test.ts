import { formatIclExample, injectIclExamples } from '../../pipeline/icl-example-format';
import { score, toolCallingConfig } from './eval-configs';
import { type LogRow, shopLogs, trainingLine } from './fixtures';
import { Emulator, jsonl, waitFor } from './support';

// The emulated models learn only from what they are given, so scores must move the way real
// ones do: zero-shot < in-context examples < fine-tuned, and more training data helps.

const NS = 'learn';
const BASE = 'meta/llama-3.2-1b-instruct';
const EMBEDDER = 'nvidia/llama-3.2-nv-embedqa-1b-v2';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.002 });
});
afterAll(() => emulator.close());

async function embed(texts: string[], inputType: 'query' | 'passage'): Promise<number[][]> {
  const reply = await emulator.ok('POST', '/v1/embeddings', { model: EMBEDDER, input: texts, input_type: inputType });
  return reply.data.map((d: { embedding: number[] }) => d.embedding);
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const userText = (row: LogRow) => row.request.messages.find((m) => m.role === 'user')?.content ?? '';

/** Eval rows with the 3 most similar pool records (by emulator embeddings) as examples. */
async function withIclExamples(evalRows: LogRow[], pool: LogRow[]): Promise<LogRow[]> {
  const poolVectors = await embed(pool.map(userText), 'passage');
  const queryVectors = await embed(evalRows.map(userText), 'query');
  return evalRows.map((row, i) => {
    const ranked = pool
      .map((candidate, j) => ({ candidate, sim: dot(queryVectors[i] as number[], poolVectors[j] as number[]) }))
      .sort((a, b) => b.sim - a.sim)
      .slice(0, 3);
    const examples = ranked.map(({ candidate }) => {
      const calls = (candidate.response.choices[0]?.message.tool_calls ?? []) as {
        function: { name: string; arguments: Record<string, unknown> };
      }[];
      return formatIclExample({
        user: [userText(candidate)],
        answer: '',
        toolCalls: calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })),
      });
    });
    const [system, ...rest] = row.request.messages;
    return {
      ...row,
      request: {
        ...row.request,
        messages: [{ role: 'system', content: injectIclExamples(system?.content, examples) }, ...rest],
      },
    };
  });
}

async function evaluate(target: string, dataset: string): Promise<{ name: number; args: number; judge: number }> {
  const job = await emulator.ok('POST', '/v1/evaluation/jobs', {
    name: `eval-${target}-${dataset}`,
    namespace: NS,
    config: toolCallingConfig(`hf://datasets/${NS}/${dataset}/eval_data.jsonl`, emulator.url),
    target: { type: 'model', model: target },
  });
  const done = await emulator.waitForJob(`/v1/evaluation/jobs/${job.id}`);
  expect(done.status_details.message).toBe('Evaluation completed');
  const results = await emulator.ok('GET', `/v1/evaluation/jobs/${job.id}/results`);
  return {
    name: score(results, 'custom-tool-calling', 'tool-calling-accuracy', 'function_name_accuracy'),
    args: score(results, 'custom-tool-calling', 'tool-calling-accuracy', 'function_name_and_args_accuracy'),
    judge: score(results, 'custom-tool-calling', 'correctness', 'rating'),
  };
}

test('on a tool-calling sample, customized beats ICL beats base, and 10x more training records score higher', async () => {
  const evalRows = shopLogs(42, 1);
  const largePool = shopLogs(140, 2);
  const smallPool = largePool.slice(0, 14);
  const iclRows = await withIclExamples(evalRows, largePool);

  await emulator.uploadDataset(NS, 'eval', { 'eval_data.jsonl': jsonl(evalRows) });
  await emulator.uploadDataset(NS, 'icl', { 'eval_data.jsonl': jsonl(iclRows) });
  await emulator.uploadDataset(NS, 'train-small', { 'training/train_data.jsonl': jsonl(smallPool.map(trainingLine)) });
  await emulator.uploadDataset(NS, 'train-large', { 'training/train_data.jsonl': jsonl(largePool.map(trainingLine)) });

  await emulator.deployAndWait(NS, BASE);
  const config = await emulator.createConfig(NS, BASE);
  const small = await emulator.customize(NS, config, 'train-small', `${NS}/customized-small`);
  const large = await emulator.customize(NS, config, 'train-large', `${NS}/customized-large`);
  for (const job of [small, large]) {
    const status = await emulator.waitForJob(`/v1/customization/jobs/${job.id}/status`);
    expect(status.status).toBe('completed');
  }
  // served under the Customizer's own names once the adapters have synced
  await waitFor(async () => {
    const ids = ((await emulator.ok('GET', '/v1/models')).data as { id: string }[]).map((m) => m.id);
    return ids.includes(small.output_model) && ids.includes(large.output_model);
  });

  const base = await evaluate(BASE, 'eval');
  const icl = await evaluate(BASE, 'icl');
  const customizedSmall = await evaluate(small.output_model, 'eval');
  const customizedLarge = await evaluate(large.output_model, 'eval');
  console.info(
    'tool-calling scores (function name / name+args / judge correctness)\n' +
      Object.entries({ base, icl, customizedSmall, customizedLarge })
        .map(([k, s]) => `${k.padEnd(16)} ${s.name.toFixed(3)} ${s.args.toFixed(3)} ${s.judge.toFixed(3)}`)
        .join('\n'),
  );

  expect(icl.name).toBeGreaterThan(base.name);
  expect(icl.args).toBeGreaterThan(base.args);
  expect(customizedLarge.name).toBeGreaterThan(icl.name);
  expect(customizedLarge.args).toBeGreaterThan(icl.args);
  expect(customizedLarge.args).toBeGreaterThan(customizedSmall.args);
  expect(customizedLarge.name).toBeGreaterThanOrEqual(customizedSmall.name);
  // the judge agrees with the exact-match metric on which model is better
  expect(customizedLarge.judge).toBeGreaterThan(base.judge);
});
