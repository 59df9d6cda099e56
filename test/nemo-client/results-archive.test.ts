import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';
import { NemoPermanentError, sampleOutcome } from '../../nemo-client';
import { createEvaluator } from '../../nemo-client/evaluator';
import { HttpCore } from '../../nemo-client/http';

// The Evaluator's results archive (`download-results`) read as a stream: every sample line of
// every task's *.jsonl reaches the visitor, whatever the chunking and whether the zip carries its
// sizes up front or in data descriptors (as a zip written to a stream does); a server without an
// archive answers "absent"; a broken line is a permanent error naming the file and line.

const JOB = 'eval-archive-test';
let server: Server;
let baseUrl: string;
let serve: { status: number; body: Uint8Array; chunk: number } = { status: 200, body: new Uint8Array(), chunk: 1 };

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== `/v1/evaluation/jobs/${JOB}/download-results`) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(serve.status, { 'content-type': serve.status === 200 ? 'application/zip' : 'application/json' });
    // written in small pieces, so the client sees many chunks that cut zip records and lines apart
    const { body, chunk } = serve;
    let at = 0;
    const next = () => {
      if (at >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      setImmediate(next);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const evaluator = () => createEvaluator(new HttpCore({ baseUrl, timeoutMs: 10_000 }));

const sampleLine = (index: number) =>
  JSON.stringify({
    index,
    item: { request: { messages: [{ role: 'user', content: `question ${index} ${'x'.repeat(200)}` }] } },
    sample: { output_text: `answer ${index}` },
    metrics: {
      'tool-calling-accuracy': {
        function_name_accuracy: index % 3 === 0 ? 0 : 1,
        function_name_and_args_accuracy: index % 2,
      },
      correctness: { correctness: index % 4 === 0 ? null : 1 },
    },
  });

const samplesFile = (n: number) => `${Array.from({ length: n }, (_, i) => sampleLine(i)).join('\n')}\n`;

/** A zip written as a stream: deflated entries whose sizes follow in data descriptors. */
function streamedZip(files: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, data) => {
    if (err) throw err;
    parts.push(data);
  });
  for (const [name, text] of Object.entries(files)) {
    const entry = new ZipDeflate(name);
    zip.add(entry);
    entry.push(strToU8(text), true);
  }
  zip.end();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test.each([
  ['sizes in the local headers', (files: Record<string, string>) => zipSync(mapValues(files, strToU8)), 97],
  ['data descriptors', streamedZip, 4096],
])('every sample of every task reaches the visitor (%s)', async (_, build, chunk) => {
  serve = {
    status: 200,
    chunk,
    body: build({
      'results/results.json': '{"tasks": {}}',
      'results/custom-tool-calling/samples.jsonl': samplesFile(500),
      'results/other-task/samples.jsonl': samplesFile(3),
      'results/logs/run.log': 'not samples\n',
    }),
  };
  const seen: { task: string; index?: number }[] = [];
  const outcomes: unknown[] = [];
  const answer = await evaluator().readSampleResults(JOB, (s) => {
    seen.push({ task: s.task, index: s.index });
    const o = sampleOutcome(s, outcomes.length, 'tool_calling');
    if (o) outcomes.push(o);
  });
  expect(answer).toEqual({ archive: 'present', files: 2, samples: 503 });
  expect(seen.filter((s) => s.task === 'custom-tool-calling').map((s) => s.index)).toEqual(
    Array.from({ length: 500 }, (_, i) => i),
  );
  expect(seen.filter((s) => s.task === 'other-task')).toHaveLength(3);
  // only the workload's task, compact: the unparsed judge answer (null) is left out
  expect(outcomes).toHaveLength(500);
  expect(outcomes[4]).toEqual({
    index: 4,
    scores: { function_name: 1, function_name_and_args_accuracy: 0 },
  });
  expect(outcomes[3]).toEqual({
    index: 3,
    scores: { function_name: 0, function_name_and_args_accuracy: 1, tool_calling_correctness: 1 },
  });
});

test('an archive without per-sample files reads as present with no samples; a 404 as absent', async () => {
  serve = { status: 200, chunk: 64, body: zipSync({ 'results/results.json': strToU8('{"tasks": {}}') }) };
  await expect(evaluator().readSampleResults(JOB, () => {})).resolves.toEqual({
    archive: 'present',
    files: 0,
    samples: 0,
  });
  serve = { status: 404, chunk: 64, body: strToU8('{"detail": "Not Found"}') };
  await expect(evaluator().readSampleResults(JOB, () => {})).resolves.toEqual({ archive: 'absent' });
});

test('a line that is not a sample is a permanent error naming the file and line', async () => {
  const text = `${sampleLine(0)}\n{"index": 1, "metrics": {"m": {"s": "high"}}}\n`;
  serve = { status: 200, chunk: 50, body: streamedZip({ 'results/t/samples.jsonl': text }) };
  const err = await evaluator()
    .readSampleResults(JOB, () => {})
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NemoPermanentError);
  expect((err as Error).message).toMatch(/results archive results\/t\/samples\.jsonl line 2/);
  serve = { status: 200, chunk: 50, body: streamedZip({ 'results/t/samples.jsonl': `${sampleLine(0)}\n{oops\n` }) };
  await expect(evaluator().readSampleResults(JOB, () => {})).rejects.toThrow(/samples\.jsonl line 2/);
});

function mapValues<T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
