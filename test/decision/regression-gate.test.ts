import { RegressionGateConfigSchema } from '../../config/schema';
import { recommend, type VariantEvidence } from '../../decision/recommend';
import { type BenchmarkRun, compareBenchmark, regressionVerdict } from '../../decision/regression';
import { scoreInterval } from '../../decision/scores';

// The regression gate's arithmetic: the customized score against threshold_ratio × the base's.

const run = (variant: BenchmarkRun['variant'], score: number | null, status = 'completed'): BenchmarkRun => ({
  benchmark: 'gsm8k',
  variant,
  metric: 'exact_match__strict-match',
  score,
  status,
  error: status === 'failed' ? 'evaluation failed: boom' : null,
});

describe('compareBenchmark', () => {
  test('by hand: 0.57 / 0.60 = 0.95 passes at 0.95, 0.56 / 0.60 = 0.933 does not', () => {
    const at = compareBenchmark('gsm8k', 0.95, run('base', 0.6), run('customized', 0.57));
    expect(at.ratio).toBeCloseTo(0.95, 12);
    expect(at.passes).toBe(true);
    const below = compareBenchmark('gsm8k', 0.95, run('base', 0.6), run('customized', 0.56));
    expect(below.ratio).toBeCloseTo(0.9333, 4);
    expect(below.passes).toBe(false);
    expect(below.reason).toBe('gsm8k exact_match__strict-match 0.560 vs base 0.600: ratio 0.933 < 0.95');
  });

  test('a customized model that improved passes; the threshold is relative to the base, not absolute', () => {
    expect(compareBenchmark('gsm8k', 0.95, run('base', 0.2), run('customized', 0.3)).passes).toBe(true);
    expect(compareBenchmark('gsm8k', 0.5, run('base', 0.8), run('customized', 0.41)).passes).toBe(true);
    expect(compareBenchmark('gsm8k', 0.5, run('base', 0.8), run('customized', 0.39)).passes).toBe(false);
  });

  test('a base score of 0 leaves nothing to lose; a missing or failed score fails the comparison', () => {
    expect(compareBenchmark('gsm8k', 0.95, run('base', 0), run('customized', 0))).toMatchObject({
      passes: true,
      ratio: null,
    });
    const failed = compareBenchmark('gsm8k', 0.95, run('base', 0.5), run('customized', null, 'failed'));
    expect(failed).toMatchObject({ passes: false, ratio: null });
    expect(failed.reason).toContain('customized failed (evaluation failed: boom)');
    expect(compareBenchmark('gsm8k', 0.95, undefined, run('customized', 0.5)).reason).toContain('base not run');
  });
});

describe('regressionVerdict', () => {
  test('passes only when every expected benchmark does, and says which one regressed', () => {
    const runs = [
      run('base', 0.6),
      run('customized', 0.6),
      { ...run('base', 0.5), benchmark: 'mmlu', metric: 'accuracy' },
      { ...run('customized', 0.2), benchmark: 'mmlu', metric: 'accuracy' },
    ];
    const v = regressionVerdict(0.95, ['gsm8k', 'mmlu'], runs);
    expect(v.passes).toBe(false);
    expect(v.benchmarks.map((b) => b.passes)).toEqual([true, false]);
    expect(v.reason).toMatch(
      /^regressed: .*catastrophic forgetting.*mmlu accuracy 0\.200 vs base 0\.500: ratio 0\.400 < 0\.95$/,
    );
    expect(regressionVerdict(0.95, ['gsm8k'], runs).passes).toBe(true);
  });

  test('an expected benchmark that never ran means the gate was not checked, and it does not pass', () => {
    const v = regressionVerdict(0.95, ['gsm8k'], []);
    expect(v.passes).toBe(false);
    expect(v.reason).toMatch(
      /^regression gate not checked: gsm8k could not be compared: base not run, customized not run/,
    );
  });
});

describe('the recommendation honours the regression gate', () => {
  const rule = { metric: 'accuracy', threshold: 0.5, min_eval_size: 10 };
  const score = {
    accuracy: scoreInterval(
      { kind: 'accuracy', samples: Array.from({ length: 40 }, () => ({ correct: true })) },
      { level: 0.95 },
    ),
  };
  const variant = (model: string, v: 'base' | 'customized', extra: Partial<VariantEvidence> = {}): VariantEvidence => ({
    model,
    variant: v,
    eval_type: v === 'base' ? 'base-eval' : 'customized-eval',
    status: 'completed',
    scores: score,
    monthly_cost: model === 'small' ? 1 : 5,
    ...extra,
  });

  test('a regressed customized model is not recommended, and the reason says it forgot', () => {
    const regressed = regressionVerdict(0.95, ['gsm8k'], [run('base', 0.6), run('customized', 0.2)]);
    const kept = regressionVerdict(0.95, ['gsm8k'], [run('base', 0.6), run('customized', 0.6)]);
    const { recommendation, verdicts } = recommend(
      rule,
      [variant('small', 'customized', { regression: regressed }), variant('big', 'customized', { regression: kept })],
      { model: 'prod', monthly_cost: 100 },
    );
    expect(recommendation).toMatchObject({ status: 'recommended', model: 'big', variant: 'customized' });
    expect(verdicts[0]?.gate.passes).toBe(false);
    expect(verdicts[0]?.gate.reason).toMatch(/clears the gate 0\.500, but regressed: .*catastrophic forgetting/);
    expect(recommendation.reasons).toEqual([
      { model: 'small', reason: expect.stringMatching(/^customized: .*regressed/) },
    ]);
    expect(recommendation.summary).toMatch(/and the regression gate/);
    expect(recommendation.summary).toMatch(/Not recommended by the regression gate: small \(customized\): regressed/);
  });
});

test('config: off by default, 0.95 of the base by default, gsm8k by default; names checked', () => {
  const gate = RegressionGateConfigSchema.parse({});
  expect(gate).toEqual({
    enabled: false,
    threshold_ratio: 0.95,
    benchmarks: [{ type: 'gsm8k', limit_samples: 50, params: {} }],
    candidates: {},
  });
  expect(() => RegressionGateConfigSchema.parse({ threshold_ratio: 1.2 })).toThrow();
  expect(() => RegressionGateConfigSchema.parse({ benchmarks: [{ type: 'gsm8k.x' }] })).toThrow(/evaluation type/);
  expect(() => RegressionGateConfigSchema.parse({ benchmarks: [{ type: 'gsm8k' }, { type: 'gsm8k' }] })).toThrow(
    /at most once/,
  );
});
