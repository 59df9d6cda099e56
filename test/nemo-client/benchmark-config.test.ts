import { benchmarkScore, buildBenchmarkConfig, DEFAULT_BENCHMARK_METRIC } from '../../nemo-client/benchmark-config';
import { NemoPermanentError } from '../../nemo-client/errors';
import { type EvaluationResults, EvaluationResultsSchema } from '../../nemo-client/evaluator';

// Academic benchmark jobs: the config sent to the Evaluator, and the one score read back.

const results = (tasks: Record<string, Record<string, Record<string, number>>>): EvaluationResults =>
  EvaluationResultsSchema.parse({
    tasks: Object.fromEntries(
      Object.entries(tasks).map(([task, metrics]) => [
        task,
        {
          metrics: Object.fromEntries(
            Object.entries(metrics).map(([metric, scores]) => [
              metric,
              {
                scores: Object.fromEntries(
                  Object.entries(scores).map(([s, value]) => [s, { value, stats: { count: 50 } }]),
                ),
              },
            ]),
          ),
        },
      ]),
    ),
  });

const gsm8k = { type: 'gsm8k', limit_samples: 50, params: { temperature: 0 } };

test('the config names the task (default the type) and carries limit_samples in params', () => {
  expect(buildBenchmarkConfig(gsm8k)).toEqual({
    type: 'gsm8k',
    tasks: { gsm8k: { type: 'gsm8k' } },
    params: { temperature: 0, limit_samples: 50 },
  });
  const own = buildBenchmarkConfig({
    type: 'mmlu',
    task: 'mmlu_stem',
    limit_samples: 5,
    params: { limit_samples: 999 },
  });
  expect(own.tasks).toEqual({ mmlu_stem: { type: 'mmlu_stem' } });
  expect(own.params?.limit_samples).toBe(5);
});

test('gsm8k is read from its strict-match metric, whatever else the task reports', () => {
  const metric = DEFAULT_BENCHMARK_METRIC.gsm8k as string;
  const r = results({
    gsm8k: { 'exact_match__flexible-extract': { 'exact_match__flexible-extract': 0.8 }, [metric]: { [metric]: 0.62 } },
  });
  expect(benchmarkScore(r, gsm8k, 'job-1')).toEqual({ task: 'gsm8k', metric, score: metric, value: 0.62, count: 50 });
});

test('an unknown type falls back to the first metric, and a single task under another name is read', () => {
  const r = results({ 'ifeval-run': { prompt_level_strict: { accuracy: 0.4 }, inst_level_loose: { accuracy: 0.7 } } });
  const score = benchmarkScore(r, { type: 'ifeval', limit_samples: 5, params: {} }, 'job-2');
  expect(score).toMatchObject({ task: 'ifeval', metric: 'inst_level_loose', score: 'accuracy', value: 0.7 });
});

test('a missing task, a missing asked-for metric or an ambiguous score is a permanent error naming what is there', () => {
  const two = results({ a: { m: { m: 1 } }, b: { m: { m: 1 } } });
  expect(() => benchmarkScore(two, gsm8k, 'j')).toThrow(NemoPermanentError);
  expect(() => benchmarkScore(two, gsm8k, 'j')).toThrow(/no task gsm8k in the results \(has: a, b\)/);

  const r = results({ gsm8k: { other: { other: 1 } } });
  expect(() => benchmarkScore(r, { ...gsm8k, metric: 'missing' }, 'j')).toThrow(
    /no metric missing in task gsm8k \(has: other\)/,
  );

  const ambiguous = results({ gsm8k: { m: { x: 0.1, y: 0.2 } } });
  expect(() => benchmarkScore(ambiguous, { ...gsm8k, metric: 'm' }, 'j')).toThrow(
    /metric m has no single score \(has: x, y\)/,
  );
});
