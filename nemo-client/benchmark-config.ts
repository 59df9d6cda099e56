import { NemoPermanentError } from './errors';
import type { BenchmarkEvaluationConfig, EvaluationResults } from './evaluator';

// Academic benchmark jobs (the Evaluator's LM Evaluation Harness types, e.g. gsm8k): the config
// Flywheel sends, and the one score it reads back from the job's results.

export interface BenchmarkSpec {
  /** The Evaluator's evaluation type, e.g. `gsm8k`. */
  type: string;
  /** The task to run and read; default the type. */
  task?: string;
  /** The metric to read; default per type (below), else the task's only or first metric. */
  metric?: string;
  limit_samples: number;
  params: Record<string, unknown>;
}

/** The metric each known type is judged by: GSM8K's strict `#### <answer>` match, as it is usually reported. */
export const DEFAULT_BENCHMARK_METRIC: Readonly<Record<string, string>> = {
  gsm8k: 'exact_match__strict-match',
};

export function buildBenchmarkConfig(spec: BenchmarkSpec): BenchmarkEvaluationConfig {
  const task = spec.task ?? spec.type;
  return {
    type: spec.type,
    tasks: { [task]: { type: task } },
    params: { ...spec.params, limit_samples: spec.limit_samples },
  };
}

export interface BenchmarkScore {
  task: string;
  metric: string;
  score: string;
  value: number;
  /** Items scored, when the results say. */
  count: number | null;
}

/** The benchmark's score in a finished job's results; a permanent error naming what is there when it is missing. */
export function benchmarkScore(results: EvaluationResults, spec: BenchmarkSpec, jobId: string): BenchmarkScore {
  const where = { method: 'GET', path: `/v1/evaluation/jobs/${jobId}/results` };
  const taskName = spec.task ?? spec.type;
  const task =
    results.tasks[taskName] ?? (Object.keys(results.tasks).length === 1 ? Object.values(results.tasks)[0] : undefined);
  if (!task) {
    throw new NemoPermanentError(
      `benchmark ${spec.type}: no task ${taskName} in the results (has: ${Object.keys(results.tasks).join(', ') || 'none'})`,
      where,
    );
  }
  const metrics = Object.keys(task.metrics).sort();
  const wanted = spec.metric ?? DEFAULT_BENCHMARK_METRIC[spec.type];
  const metric = wanted && task.metrics[wanted] ? wanted : spec.metric ? undefined : metrics[0];
  if (!metric) {
    throw new NemoPermanentError(
      `benchmark ${spec.type}: no metric ${wanted} in task ${taskName} (has: ${metrics.join(', ') || 'none'})`,
      where,
    );
  }
  const scores = task.metrics[metric]?.scores ?? {};
  const names = Object.keys(scores).sort();
  const score = scores[metric] ? metric : names.length === 1 ? names[0] : undefined;
  if (!score) {
    throw new NemoPermanentError(
      `benchmark ${spec.type}: metric ${metric} has no single score (has: ${names.join(', ') || 'none'})`,
      where,
    );
  }
  const summary = scores[score] as { value: number; stats?: { count?: number | null } | null };
  return { task: taskName, metric, score, value: summary.value, count: summary.stats?.count ?? null };
}
