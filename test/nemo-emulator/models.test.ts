import { embed } from '../../nemo-emulator/models/embeddings';
import { exemplarFromTrainingLine, TrainingLineSchema } from '../../nemo-emulator/models/exemplars';
import { isCorrect, judgeReply, similarityRating } from '../../nemo-emulator/models/judge';
import { type ChatRequest, viewOf } from '../../nemo-emulator/models/prompt';
import { answerPrompt, baseProfile, capabilityOf, customizedProfile } from '../../nemo-emulator/models/student';
import { copyArguments } from '../../nemo-emulator/models/value-copy';
import { formatIclExample, injectIclExamples } from '../../pipeline/icl-example-format';
import { headlineLogs, type LogRow, shopLogs, trainingLine } from './fixtures';

// Exercises: nemo-emulator/models/text.ts, nemo-emulator/models/zero-shot.ts (called by the student models this file imports, so no import names them)

// The student models, the judge and the embedder as pure functions.

const request = (row: LogRow, model: string): ChatRequest => ({ model, ...row.request }) as ChatRequest;
const callsOf = (row: LogRow) =>
  (row.response.choices[0]?.message.tool_calls ?? []) as {
    function: { name: string; arguments: Record<string, unknown> };
  }[];
const expectedName = (row: LogRow) => callsOf(row)[0]?.function.name;

function nameAccuracy(model: string, rows: LogRow[], profile = baseProfile(model)): number {
  const hits = rows.filter(
    (row) => answerPrompt(viewOf(request(row, model)), profile, 3).toolCalls[0]?.name === expectedName(row),
  );
  return hits.length / rows.length;
}

describe('argument copying by analogy', () => {
  test('takes values from the same place in the new request, and keeps constants', () => {
    expect(
      copyArguments(
        { origin: 'Paris', destination: 'Oslo', date: '2025-01-02', class: 'economy' },
        'Book a flight from Paris to Oslo on 2025-01-02',
        'Please get me a flight from New York to Lima on 2025-07-30',
      ),
    ).toEqual({ origin: 'New York', destination: 'Lima', date: '2025-07-30', class: 'economy' });
  });

  test('prefers the user turn over look-alikes in the system text, and numbers stay numbers', () => {
    const target = 'You are the assistant of a store.\nConvert 70 GBP to JPY for the basic plan';
    expect(
      copyArguments(
        { amount: 10, plan: 'premium' },
        'Convert 10 USD to EUR. Cancel the premium plan',
        target,
        'Convert 70 GBP to JPY for the basic plan',
      ),
    ).toEqual({
      amount: 70,
      plan: 'basic',
    });
  });
});

describe('student models', () => {
  const evalRows = shopLogs(70, 21);

  test('bigger base models answer zero-shot better, all of them poorly', () => {
    const small = nameAccuracy('meta/llama-3.2-1b-instruct', evalRows);
    const large = nameAccuracy('meta/llama-3.3-70b-instruct-candidate', evalRows);
    expect(large).toBeGreaterThan(small);
    expect(large).toBeLessThan(0.8);
  });

  test('answers are deterministic for a seed', () => {
    const view = viewOf(request(evalRows[0] as LogRow, 'meta/llama-3.2-1b-instruct'));
    const profile = baseProfile('meta/llama-3.2-1b-instruct');
    expect(answerPrompt(view, profile, 9)).toEqual(answerPrompt(view, profile, 9));
  });

  test('in-context examples are imitated: the tool and the argument structure of the nearest example', () => {
    const pool = shopLogs(30, 22);
    const examples = pool.map((row) =>
      formatIclExample({
        user: [row.request.messages[1]?.content ?? ''],
        answer: '',
        toolCalls: callsOf(row).map((c) => ({ name: c.function.name, arguments: c.function.arguments })),
      }),
    );
    const withExamples = evalRows.map((row) => ({
      ...row,
      request: {
        ...row.request,
        messages: [
          { role: 'system', content: injectIclExamples(row.request.messages[0]?.content, examples) },
          ...row.request.messages.slice(1),
        ],
      },
    }));
    const model = 'meta/llama-3.2-1b-instruct';
    expect(nameAccuracy(model, withExamples)).toBeGreaterThan(nameAccuracy(model, evalRows) + 0.2);
  });

  test('a customized model learns from its training records only: mislabelled training data makes it worse', () => {
    const train = shopLogs(140, 23);
    const clean = train.map((row) => exemplarFromTrainingLine(TrainingLineSchema.parse(trainingLine(row))));
    const noisy = clean.map((e, i) =>
      e && i % 2 === 0 ? { ...e, toolCalls: e.toolCalls.map((c) => ({ ...c, name: 'get_weather' })) } : e,
    );
    const base = 'meta/llama-3.2-1b-instruct';
    const cleanScore = nameAccuracy('c/clean', evalRows, customizedProfile('c/clean', base, clean as never, 2));
    const noisyScore = nameAccuracy('c/noisy', evalRows, customizedProfile('c/noisy', base, noisy as never, 2));
    expect(cleanScore).toBeGreaterThan(0.8);
    expect(noisyScore).toBeLessThan(cleanScore - 0.2);
  });

  test('classification: a customized model answers with the learnt label in [[[...]]]', () => {
    const train = headlineLogs(60, 31).map((row) =>
      exemplarFromTrainingLine(TrainingLineSchema.parse(trainingLine(row))),
    );
    const profile = customizedProfile('c/fin', 'meta/llama-3.1-8b-instruct', train as never, 2);
    const rows = headlineLogs(30, 32);
    const right = rows.filter((row) => {
      const reply = answerPrompt(viewOf(request(row, 'c/fin')), profile, 1);
      return (
        reply.content.match(/\[\[\[(.*?)\]\]\]/)?.[1] ===
        row.response.choices[0]?.message.content?.match(/\[\[\[(.*?)\]\]\]/)?.[1]
      );
    });
    expect(right.length / rows.length).toBeGreaterThan(0.8);
  });

  test('capability grows with the parameter count in the name', () => {
    expect(capabilityOf('meta/llama-3.2-1b-instruct')).toBeLessThan(capabilityOf('meta/llama-3.2-3b-instruct'));
    expect(capabilityOf('meta/llama-3.2-3b-instruct')).toBeLessThan(capabilityOf('meta/llama-3.1-8b-instruct'));
    expect(capabilityOf('meta/llama-3.1-8b-instruct')).toBeLessThan(capabilityOf('meta/llama-3.3-70b-instruct'));
  });
});

describe('judge', () => {
  test('similarity prompts get 1–10, correctness prompts 0/1', () => {
    expect(
      judgeReply(
        'Score from 1 to 10. <reference>free returns within 30 days</reference><candidate>free returns within 30 days</candidate>',
      ),
    ).toMatch(/^RATING: 10\b/);
    expect(
      judgeReply('Rate similarity. <reference>free returns within 30 days</reference><candidate></candidate>'),
    ).toMatch(/^RATING: 1\b/);
    expect(
      judgeReply('Is it correct? <reference>[[[positive]]]</reference><candidate>It is [[[positive]]]</candidate>'),
    ).toMatch(/^RATING: 1\b/);
    expect(
      judgeReply('Is it correct? <reference>[[[positive]]]</reference><candidate>[[[neutral]]]</candidate>'),
    ).toMatch(/^RATING: 0\b/);
    const strict = 'Free-text values may be similar in meaning. Reply "RATING: 1" if correct, "RATING: 0" if not.';
    expect(judgeReply(`${strict} <reference>[[[positive]]]</reference><candidate>[[[positive]]]</candidate>`)).toMatch(
      /^RATING: 1\b/,
    );
  });

  test('tool calls are correct with the same name and every reference argument; strings as JSON arguments are read', () => {
    const ref = JSON.stringify([{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }]);
    const same = JSON.stringify([
      { function: { name: 'get_weather', arguments: '{"city": "paris", "unit": "celsius"}' } },
    ]);
    const wrongArg = JSON.stringify([{ function: { name: 'get_weather', arguments: '{"city": "Lima"}' } }]);
    expect(isCorrect(same, ref)).toBe(true);
    expect(isCorrect(wrongArg, ref)).toBe(false);
    expect(isCorrect('null', ref)).toBe(false);
  });

  test('similarity rises with shared meaning', () => {
    const ref = 'We ship to over 40 countries within ten days';
    expect(similarityRating('We ship to 40 countries, it takes ten days', ref)).toBeGreaterThan(
      similarityRating('Our store opens at nine', ref),
    );
  });
});

describe('embeddings', () => {
  test('are unit vectors of 384 dimensions, deterministic, and closer for related texts', () => {
    const a = embed('where is my order 123');
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    expect(a).toHaveLength(384);
    expect(dot(a, a)).toBeCloseTo(1, 6);
    expect(embed('where is my order 123')).toEqual(a);
    expect(dot(a, embed('track my order 456'))).toBeGreaterThan(dot(a, embed('weather forecast for Oslo')));
  });
});
