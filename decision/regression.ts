// The regression gate: a customized model must keep at least `threshold_ratio` of its base
// model's score on every general benchmark (GSM8K and the like), or it forgot what it knew and
// is not recommended, whatever its domain score. Pure arithmetic over stored scores.

export interface BenchmarkRun {
  benchmark: string;
  variant: 'base' | 'customized';
  metric: string | null;
  score: number | null;
  status: string;
  error: string | null;
}

export interface BenchmarkComparison {
  benchmark: string;
  metric: string | null;
  base_score: number | null;
  customized_score: number | null;
  /** customized / base; null when either is missing or the base scored 0. */
  ratio: number | null;
  passes: boolean;
  reason: string;
}

export interface RegressionVerdict {
  passes: boolean;
  threshold_ratio: number;
  reason: string;
  benchmarks: BenchmarkComparison[];
}

const f = (x: number) => x.toFixed(3);
/** Scores are averages of item outcomes: a ratio equal to the threshold within rounding passes. */
const EPSILON = 1e-9;

function missing(run: BenchmarkRun | undefined, variant: string): string {
  if (!run) return `${variant} not run`;
  if (run.status !== 'completed') return `${variant} ${run.status}${run.error ? ` (${run.error})` : ''}`;
  return `${variant} has no score`;
}

/** One benchmark: the customized score against `threshold_ratio` × the base score. */
export function compareBenchmark(
  benchmark: string,
  threshold: number,
  base: BenchmarkRun | undefined,
  customized: BenchmarkRun | undefined,
): BenchmarkComparison {
  const b = base?.status === 'completed' ? base.score : null;
  const c = customized?.status === 'completed' ? customized.score : null;
  const metric = customized?.metric ?? base?.metric ?? null;
  const label = metric ? `${benchmark} ${metric}` : benchmark;
  if (b === null || c === null) {
    const why = [b === null ? missing(base, 'base') : null, c === null ? missing(customized, 'customized') : null]
      .filter(Boolean)
      .join(', ');
    return {
      benchmark,
      metric,
      base_score: b,
      customized_score: c,
      ratio: null,
      passes: false,
      reason: `${label} could not be compared: ${why}`,
    };
  }
  if (b <= 0) {
    return {
      benchmark,
      metric,
      base_score: b,
      customized_score: c,
      ratio: null,
      passes: true,
      reason: `${label}: the base model scores 0, nothing to lose (customized ${f(c)})`,
    };
  }
  const ratio = c / b;
  const passes = ratio + EPSILON >= threshold;
  return {
    benchmark,
    metric,
    base_score: b,
    customized_score: c,
    ratio,
    passes,
    reason: `${label} ${f(c)} vs base ${f(b)}: ratio ${f(ratio)} ${passes ? '≥' : '<'} ${threshold}`,
  };
}

/** Every expected benchmark compared; the gate passes only when each of them does. */
export function regressionVerdict(
  threshold: number,
  expected: readonly string[],
  runs: readonly BenchmarkRun[],
): RegressionVerdict {
  const find = (benchmark: string, variant: BenchmarkRun['variant']) =>
    runs.find((r) => r.benchmark === benchmark && r.variant === variant);
  const benchmarks = expected.map((name) =>
    compareBenchmark(name, threshold, find(name, 'base'), find(name, 'customized')),
  );
  const failed = benchmarks.filter((b) => !b.passes);
  const passes = benchmarks.length > 0 && failed.length === 0;
  const reason =
    benchmarks.length === 0
      ? 'regression gate: no general benchmark configured'
      : passes
        ? `regression gate passes (keeps ≥ ${threshold} of the base model's general scores): ${benchmarks.map((b) => b.reason).join('; ')}`
        : failed.every((b) => b.ratio !== null)
          ? `regressed: general capability fell below ${threshold} of the base model's (catastrophic forgetting): ${failed.map((b) => b.reason).join('; ')}`
          : `regression gate not checked: ${failed.map((b) => b.reason).join('; ')}`;
  return { passes, threshold_ratio: threshold, reason, benchmarks };
}
