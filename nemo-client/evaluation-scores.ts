import { EVALUATION_LAYOUT, type EvaluatedWorkload } from './evaluation-config';
import { EvaluationResultsSchema } from './evaluator';

/** Results that lack a score the workload needs: the job ran but its output is unusable. */
export class EvaluationResultsError extends Error {
  readonly retryable = false;
  override name = 'EvaluationResultsError';
}

/** The judge rates similarity 1–10; stored scores are 0–1 (1 → 0, 10 → 1). */
export const normalizeSimilarity = (rating: number) => Math.min(1, Math.max(0, (rating - 1) / 9));

/**
 * Maps Evaluator results to the score keys upstream stores: `function_name`,
 * `function_name_and_args_accuracy`, `tool_calling_correctness`, `similarity`, `f1`.
 */
export function extractScores(results: unknown, workloadType: EvaluatedWorkload): Record<string, number> {
  const parsed = EvaluationResultsSchema.safeParse(results);
  if (!parsed.success) {
    throw new EvaluationResultsError(`evaluation results have an unexpected shape: ${parsed.error.message}`);
  }
  const tasks = parsed.data.tasks;
  const score = (task: string, metric: string, name: string): number => {
    const value = tasks[task]?.metrics[metric]?.scores[name]?.value;
    if (value === undefined) {
      throw new EvaluationResultsError(
        `evaluation results lack tasks.${task}.metrics.${metric}.scores.${name} (tasks present: ${Object.keys(tasks).join(', ') || 'none'})`,
      );
    }
    return value;
  };
  switch (workloadType) {
    case 'tool_calling': {
      const { task, accuracyMetric, judgeMetric } = EVALUATION_LAYOUT.tool_calling;
      return {
        function_name: score(task, accuracyMetric, 'function_name_accuracy'),
        function_name_and_args_accuracy: score(task, accuracyMetric, 'function_name_and_args_accuracy'),
        tool_calling_correctness: score(task, judgeMetric, 'correctness'),
      };
    }
    case 'generic': {
      const { task, judgeMetric } = EVALUATION_LAYOUT.generic;
      return { similarity: normalizeSimilarity(score(task, judgeMetric, 'similarity')) };
    }
    case 'classification': {
      const { task, f1Metric } = EVALUATION_LAYOUT.classification;
      return { f1: score(task, f1Metric, 'f1') };
    }
  }
}
