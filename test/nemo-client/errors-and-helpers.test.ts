import { createServer } from 'node:net';
import {
  buildEvaluationConfig,
  createNemoClient,
  describeErrorBody,
  EvaluationResultsError,
  extractLabel,
  extractScores,
  macroF1,
  NemoPermanentError,
  NemoRetryableError,
  nemoClientConfigFrom,
  normalizeSimilarity,
  openAiBaseUrl,
} from '../../nemo-client';
import { meansAlreadyExists } from '../../nemo-client/deployments';
import { HttpCore } from '../../nemo-client/http';

// Exercises: nemo-client/evaluation-scores.ts, nemo-client/config.ts (imported through nemo-client/index.ts)

// Pure parts of the client, plus a request to a port nobody listens on (a real network error).

interface JudgeMetric {
  type: string;
  params: {
    model: unknown;
    template: { messages: unknown };
    scores: { [score: string]: { parser: { pattern: string } } };
  };
}

const judge = { url: 'http://judge.test/v1/chat/completions', model_id: 'meta/llama-3.3-70b-instruct' };

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('error bodies become readable reasons', () => {
  test('a FastAPI 422 lists each field and its reason, without the "body" prefix', () => {
    const text = describeErrorBody({
      detail: [
        { loc: ['body', 'hyperparameters', 'epochs'], msg: 'Input should be greater than 0', type: 'greater_than' },
        { loc: ['body', 'dataset'], msg: 'Field required', type: 'missing' },
      ],
    });
    expect(text).toBe('hyperparameters.epochs: Input should be greater than 0; dataset: Field required');
  });

  test('a string detail, an OpenAI error and plain text are shown as their message', () => {
    expect(describeErrorBody({ detail: 'deployment not found' })).toBe('deployment not found');
    expect(describeErrorBody({ error: { message: 'model x not served', type: 'not_found_error' } })).toBe(
      'model x not served',
    );
    expect(describeErrorBody('upstream connect error')).toBe('upstream connect error');
    expect(describeErrorBody('')).toBe('empty response');
  });

  test('errors carry method, path, status and body, and name their class for Temporal', () => {
    const body = { detail: 'slow down' };
    const retryable = new NemoRetryableError('slow down', { method: 'GET', path: '/v1/x', status: 429, body });
    const permanent = new NemoPermanentError('bad', { method: 'POST', path: '/v1/y', status: 422, body });
    expect(retryable).toMatchObject({ name: 'NemoRetryableError', retryable: true, method: 'GET', status: 429, body });
    expect(permanent).toMatchObject({ name: 'NemoPermanentError', retryable: false, path: '/v1/y', status: 422 });
    expect(retryable.message).toBe('NeMo GET /v1/x 429: slow down');
  });

  test('DMS "already exists" is recognised from a 409 or a 500 saying so, not from other 500s', () => {
    const at = { method: 'POST', path: '/v1/deployment/model-deployments' };
    const dup500 = new NemoRetryableError('x', {
      ...at,
      status: 500,
      body: { detail: 'Model deployment already exists' },
    });
    const other500 = new NemoRetryableError('x', { ...at, status: 500, body: { detail: 'database down' } });
    expect(meansAlreadyExists(dup500)).toBe(true);
    expect(meansAlreadyExists(new NemoPermanentError('x', { ...at, status: 409 }))).toBe(true);
    expect(meansAlreadyExists(other500)).toBe(false);
    expect(meansAlreadyExists(new NemoPermanentError('x', { ...at, status: 400 }))).toBe(false);
  });
});

describe('transport failures are retryable', () => {
  test('a refused connection is a NemoRetryableError without a status', async () => {
    const http = new HttpCore({ baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 2000 });
    const failure = (await http.send({ method: 'GET', path: '/v1/namespaces' }).then(
      () => undefined,
      (e) => e,
    )) as NemoRetryableError;
    expect(failure).toBeInstanceOf(NemoRetryableError);
    expect(failure.status).toBeUndefined();
    expect(failure.message).toMatch(/^NeMo GET \/v1\/namespaces: network error/);
  });
});

describe('client settings from the flywheel config', () => {
  const nmp = {
    nemo_base_url: 'http://nemo.test',
    nim_base_url: 'http://nim.test',
    datastore_base_url: 'http://ds.test',
    nmp_namespace: 'dfwbp',
  };

  test('base URLs and namespace come from nmp_config, the API key from NEMO_API_KEY', () => {
    expect(nemoClientConfigFrom(nmp, { NEMO_API_KEY: 'k' })).toEqual({
      nemoBaseUrl: 'http://nemo.test',
      nimBaseUrl: 'http://nim.test',
      datastoreBaseUrl: 'http://ds.test',
      namespace: 'dfwbp',
      apiKey: 'k',
      timeoutMs: 30_000,
      pageSize: 100,
    });
    expect(nemoClientConfigFrom(nmp, { NEMO_API_KEY: '' }).apiKey).toBeUndefined();
  });

  test('a malformed base URL is refused with the field named', () => {
    expect(() => createNemoClient({ ...nemoClientConfigFrom(nmp, {}), nimBaseUrl: 'not a url' })).toThrow(/nimBaseUrl/);
  });
});

describe('OpenAI-compatible endpoint URLs', () => {
  test.each([
    ['http://h:8000', 'http://h:8000/v1'],
    ['http://h:8000/', 'http://h:8000/v1'],
    ['http://h:8000/v1', 'http://h:8000/v1'],
    ['https://api.test/v1/chat/completions', 'https://api.test/v1'],
    ['http://h/v1/embeddings', 'http://h/v1'],
  ])('%s is reached at base %s', (url, base) => {
    expect(openAiBaseUrl(url)).toBe(base);
  });
});

describe('evaluation configs per workload type', () => {
  test('tool calling: tool-calling metric against the logged calls plus a 0/1 judge with tagged reference and candidate', () => {
    const config = buildEvaluationConfig({
      workloadType: 'tool_calling',
      filesUrl: 'hf://datasets/ns/flywheel-eval-w-1/eval_data.jsonl',
      limit: 50,
      judge,
    });
    const task = config.tasks['custom-tool-calling'];
    expect(task?.dataset).toEqual({ files_url: 'hf://datasets/ns/flywheel-eval-w-1/eval_data.jsonl', limit: 50 });
    expect(task?.params.template).toMatchObject({
      messages: '{{ item.request.messages | tojson }}',
      tools: '{{ item.request.tools | tojson }}',
    });
    expect(task?.metrics['tool-calling-accuracy']).toEqual({
      type: 'tool-calling',
      params: { tool_calls_ground_truth: '{{ item.response.choices[0].message.tool_calls | tojson }}' },
    });
    const correctness = task?.metrics.correctness as unknown as JudgeMetric;
    expect(correctness.type).toBe('llm-judge');
    expect(correctness.params.model).toEqual({ api_endpoint: judge });
    const prompt = JSON.stringify(correctness.params.template.messages);
    expect(prompt).toMatch(
      /<reference>\{\{ item\.response\.choices\[0\]\.message\.tool_calls \| tojson \}\}<\/reference>/,
    );
    expect(prompt).toMatch(
      /<candidate>\{\{ sample\.response\.choices\[0\]\.message\.tool_calls \| tojson \}\}<\/candidate>/,
    );
    const pattern = new RegExp(correctness.params.scores.correctness?.parser.pattern ?? '^$');
    expect('RATING: 1 because the call matches'.match(pattern)?.[1]).toBe('1');
  });

  test('generic: a 1-10 similarity judge over the reference text and the candidate output', () => {
    const config = buildEvaluationConfig({
      workloadType: 'generic',
      filesUrl: 'hf://datasets/ns/d/eval_data.jsonl',
      judge,
    });
    const metric = config.tasks['llm-as-judge']?.metrics['llm-judge'] as unknown as JudgeMetric;
    const prompt = JSON.stringify(metric.params.template.messages);
    expect(prompt).toContain('<reference>{{ item.response.choices[0].message.content }}</reference>');
    expect(prompt).toContain('<candidate>{{ sample.output_text }}</candidate>');
    expect(prompt).toMatch(/1 to 10/);
    expect('RATING: 10'.match(new RegExp(metric.params.scores.similarity?.parser.pattern ?? '^$'))?.[1]).toBe('10');
  });

  test('classification: the documented string-check of the answer against the reference', () => {
    const config = buildEvaluationConfig({
      workloadType: 'classification',
      filesUrl: 'hf://datasets/ns/d/eval_data.jsonl',
      judge,
    });
    const metric = config.tasks['custom-classification']?.metrics['label-match'] as {
      type: string;
      params: { check: string[] };
    };
    expect(metric.type).toBe('string-check');
    expect(metric.params.check).toEqual([
      '{{ sample.output_text }}',
      'contains',
      '{{ item.response.choices[0].message.content }}',
    ]);
  });
});

describe('scores from evaluation results', () => {
  const score = (value: number) => ({ value, stats: { count: 10 } });

  test('tool-calling results map to the upstream keys', () => {
    const results = {
      tasks: {
        'custom-tool-calling': {
          metrics: {
            'tool-calling-accuracy': {
              scores: { function_name_accuracy: score(0.9), function_name_and_args_accuracy: score(0.7) },
            },
            correctness: { scores: { correctness: score(0.8) } },
          },
        },
      },
    };
    expect(extractScores(results, 'tool_calling')).toEqual({
      function_name: 0.9,
      function_name_and_args_accuracy: 0.7,
      tool_calling_correctness: 0.8,
    });
  });

  test('similarity 1-10 is normalized to 0-1; classification F1 comes from the per-sample labels', () => {
    const generic = { tasks: { 'llm-as-judge': { metrics: { 'llm-judge': { scores: { similarity: score(5.5) } } } } } };
    expect(extractScores(generic, 'generic')).toEqual({ similarity: 0.5 });
    expect([normalizeSimilarity(1), normalizeSimilarity(10), normalizeSimilarity(12)]).toEqual([0, 1, 1]);
    const cls = {
      tasks: { 'custom-classification': { metrics: { 'label-match': { scores: { 'string-check': score(0.5) } } } } },
    };
    const samples = [
      { index: 0, scores: {}, label: 'a', predicted: 'a' },
      { index: 1, scores: {}, label: 'b', predicted: 'a' },
    ];
    expect(extractScores(cls, 'classification', samples)).toEqual({ f1: 1 / 3, label_accuracy: 0.5 });
    expect(() => extractScores(cls, 'classification')).toThrow(/needs the per-sample results/);
  });

  test('a missing score is an EvaluationResultsError naming the path', () => {
    const results = { tasks: { 'custom-tool-calling': { metrics: {} } } };
    expect(() => extractScores(results, 'tool_calling')).toThrow(EvaluationResultsError);
    expect(() => extractScores(results, 'tool_calling')).toThrow(
      /tasks\.custom-tool-calling\.metrics\.tool-calling-accuracy\.scores\.function_name_accuracy/,
    );
    expect(() => extractScores({ nope: 1 }, 'generic')).toThrow(/unexpected shape/);
  });
});

describe('classification F1 from per-sample results', () => {
  test('macro F1 averages per-class F1; an answer without a label is a miss', () => {
    expect(extractLabel('It is [[[positive]]].')).toBe('positive');
    expect(extractLabel('no label')).toBeUndefined();
    expect(
      macroF1([
        { reference: 'a', prediction: 'a' },
        { reference: 'b', prediction: 'b' },
      ]),
    ).toBe(1);
    // class a: P=1/2 R=1 F1=2/3; class b: P=0 R=0 F1=0 → mean 1/3
    expect(
      macroF1([
        { reference: 'a', prediction: 'a' },
        { reference: 'b', prediction: 'a' },
      ]),
    ).toBeCloseTo(1 / 3, 10);
    expect(macroF1([{ reference: 'a', prediction: null }])).toBe(0);
  });
});
