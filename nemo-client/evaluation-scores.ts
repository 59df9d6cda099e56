import { EVALUATION_LAYOUT, type EvaluatedWorkload, LABEL_PATTERN } from './evaluation-config';
import { EvaluationResultsSchema, type SampleRecord } from './evaluator';

/** Results that lack a score the workload needs: the job ran but its output is unusable. */
export class EvaluationResultsError extends Error {
  readonly retryable = false;
  override name = 'EvaluationResultsError';
}

/** The judge rates similarity 1–10; stored scores are 0–1 (1 → 0, 10 → 1). */
export const normalizeSimilarity = (rating: number) => Math.min(1, Math.max(0, (rating - 1) / 9));

/**
 * One evaluated sample, compact, stored with the evaluation (`samples`): `scores` holds the
 * sample's value for each of the evaluation's score keys that is scored per sample (a judge
 * answer that could not be parsed is left out); classification adds the reference `label` and
 * the `predicted` label (null when the answer named none).
 */
export interface SampleOutcome {
  index: number;
  scores: Record<string, number>;
  label?: string;
  predicted?: string | null;
}

/** Workloads whose headline score needs the per-sample results (classification F1). */
export const needsSamples = (workloadType: EvaluatedWorkload) => workloadType === 'classification';

export function extractLabel(text: unknown, pattern = LABEL_PATTERN): string | undefined {
  if (typeof text !== 'string') return undefined;
  const match = new RegExp(pattern).exec(text);
  if (!match) return undefined;
  return (match[1] ?? match[0]).trim();
}

/**
 * Macro F1 over the classes seen in the references and predictions. A prediction without a
 * label is wrong: it counts as a miss for the reference's class and a hit for no class.
 */
export function macroF1(pairs: { reference?: string; prediction?: string | null }[]): number {
  const classes = new Set<string>();
  for (const p of pairs) {
    if (p.reference !== undefined) classes.add(p.reference);
    if (p.prediction !== undefined && p.prediction !== null) classes.add(p.prediction);
  }
  if (classes.size === 0) return 0;
  let total = 0;
  for (const label of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { reference, prediction } of pairs) {
      if (prediction === label && reference === label) tp++;
      else if (prediction === label) fp++;
      else if (reference === label) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    total += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return total / classes.size;
}

const referenceText = (item: unknown): unknown =>
  (item as { response?: { choices?: { message?: { content?: unknown } }[] } } | null)?.response?.choices?.[0]?.message
    ?.content;

/**
 * The compact outcome of one evaluated sample (a line of the results archive), or undefined when
 * the sample belongs to another task than the workload's. `position` is its place among its
 * task's samples, used when the line carries no `index`.
 */
export function sampleOutcome(
  s: SampleRecord,
  position: number,
  workloadType: EvaluatedWorkload,
): SampleOutcome | undefined {
  if (s.task !== EVALUATION_LAYOUT[workloadType].task) return undefined;
  const scores: Record<string, number> = {};
  const put = (key: string, value: number | null | undefined, map: (v: number) => number = (v) => v) => {
    if (typeof value === 'number' && Number.isFinite(value)) scores[key] = map(value);
  };
  const index = s.index ?? position;
  switch (workloadType) {
    case 'tool_calling': {
      const { accuracyMetric, judgeMetric } = EVALUATION_LAYOUT.tool_calling;
      put('function_name', s.metrics[accuracyMetric]?.function_name_accuracy);
      put('function_name_and_args_accuracy', s.metrics[accuracyMetric]?.function_name_and_args_accuracy);
      put('tool_calling_correctness', s.metrics[judgeMetric]?.correctness);
      return { index, scores };
    }
    case 'generic': {
      put('similarity', s.metrics[EVALUATION_LAYOUT.generic.judgeMetric]?.similarity, normalizeSimilarity);
      return { index, scores };
    }
    case 'classification': {
      const { labelMetric, labelScore } = EVALUATION_LAYOUT.classification;
      put('label_accuracy', s.metrics[labelMetric]?.[labelScore]);
      const label = extractLabel(referenceText(s.item));
      const predicted = extractLabel(s.sample?.output_text) ?? null;
      return { index, scores, ...(label === undefined ? {} : { label }), predicted };
    }
    default:
      return { index, scores };
  }
}

/** The compact per-sample outcomes of one evaluation, from its results archive. */
export function sampleOutcomes(samples: SampleRecord[], workloadType: EvaluatedWorkload): SampleOutcome[] {
  const out: SampleOutcome[] = [];
  for (const s of samples) {
    const outcome = sampleOutcome(s, out.length, workloadType);
    if (outcome) out.push(outcome);
  }
  return out;
}

/**
 * Per stored score key, how many items the Evaluator's aggregate was computed over
 * (`scores.<name>.stats.count`); keys whose score carries no count are left out. F1, computed
 * here from the samples, counts its labelled samples.
 */
export function scoreCounts(
  results: unknown,
  workloadType: EvaluatedWorkload,
  samples: SampleOutcome[] = [],
): Record<string, number> {
  const parsed = EvaluationResultsSchema.safeParse(results);
  if (!parsed.success) return {};
  const tasks = parsed.data.tasks;
  const counts: Record<string, number> = {};
  const put = (key: string, task: string, metric: string, name: string) => {
    const count = tasks[task]?.metrics[metric]?.scores[name]?.stats?.count;
    if (typeof count === 'number' && count > 0) counts[key] = count;
  };
  switch (workloadType) {
    case 'tool_calling': {
      const { task, accuracyMetric, judgeMetric } = EVALUATION_LAYOUT.tool_calling;
      put('function_name', task, accuracyMetric, 'function_name_accuracy');
      put('function_name_and_args_accuracy', task, accuracyMetric, 'function_name_and_args_accuracy');
      put('tool_calling_correctness', task, judgeMetric, 'correctness');
      break;
    }
    case 'generic': {
      const { task, judgeMetric } = EVALUATION_LAYOUT.generic;
      put('similarity', task, judgeMetric, 'similarity');
      break;
    }
    case 'classification': {
      const { task, labelMetric, labelScore } = EVALUATION_LAYOUT.classification;
      put('label_accuracy', task, labelMetric, labelScore);
      const labelled = samples.filter((s) => s.label !== undefined).length;
      if (labelled > 0) counts.f1 = labelled;
      break;
    }
  }
  return counts;
}

/**
 * Maps Evaluator results to the score keys upstream stores: `function_name`,
 * `function_name_and_args_accuracy`, `tool_calling_correctness`, `similarity`; classification
 * stores `f1` (macro F1 over the labels of the per-sample outcomes, which it needs) and
 * `label_accuracy` (the Evaluator's string-check).
 */
export function extractScores(
  results: unknown,
  workloadType: EvaluatedWorkload,
  samples: SampleOutcome[] = [],
): Record<string, number> {
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
      const { task, labelMetric, labelScore } = EVALUATION_LAYOUT.classification;
      const labelled = samples.filter((s) => s.label !== undefined);
      if (labelled.length === 0) {
        throw new EvaluationResultsError(
          'classification F1 needs the per-sample results (download-results), and none carried a reference label',
        );
      }
      return {
        f1: macroF1(labelled.map((s) => ({ reference: s.label, prediction: s.predicted }))),
        label_accuracy: score(task, labelMetric, labelScore),
      };
    }
  }
}
