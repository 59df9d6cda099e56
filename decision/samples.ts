import { z } from 'zod';
import {
  type IntervalOptions,
  isScoreKey,
  SCORE_KINDS,
  type ScoreEvidence,
  type ScoreInterval,
  scoreInterval,
} from './scores';

// Reads the evidence behind one stored score from an evaluation document: its per-sample
// results when the evaluation stored them, else the aggregate and how many items it was computed
// over (the server's `stats.count`, else the eval set size).
//
// The per-sample list this reads (one entry per eval item, compact):
//   samples: [{ scores: { <score key>: <value on the stored score's scale> }, label?, predicted? }]
// `label` / `predicted` are the reference and candidate classes of a classification item.

const SampleSchema = z.looseObject({
  scores: z.record(z.string(), z.number()).optional(),
  label: z.string().nullish(),
  predicted: z.string().nullish(),
});
const SamplesSchema = z.array(SampleSchema);

export interface EvaluationLike {
  scores?: Record<string, number>;
  samples?: unknown;
  /** Per score key, the items the server's aggregate was computed over (its `stats.count`). */
  score_counts?: Record<string, number>;
}

export function scoreEvidence(doc: EvaluationLike, key: string, evalSetSize: number): ScoreEvidence | undefined {
  const value = doc.scores?.[key];
  if (value === undefined || !isScoreKey(key)) return undefined;
  const parsed = SamplesSchema.safeParse(doc.samples);
  const samples = parsed.success ? parsed.data : [];
  const kind = SCORE_KINDS[key];
  if (kind === 'f1') {
    const pairs = samples
      .filter((s) => typeof s.label === 'string')
      .map((s) => ({ label: s.label as string, predicted: s.predicted ?? null }));
    if (pairs.length > 0) return { kind: 'f1', samples: pairs };
  } else {
    const values = samples.map((s) => s.scores?.[key]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) {
      // A judge that answers only 0 or 1 (tool-calling correctness) is a proportion too.
      if (kind === 'accuracy' || values.every((v) => v === 0 || v === 1)) {
        return { kind: 'accuracy', samples: values.map((v) => ({ correct: v >= 0.5 })) };
      }
      return { kind: 'judge', samples: values };
    }
  }
  const counted = doc.score_counts?.[key];
  return { kind: 'aggregate', estimate: value, n: typeof counted === 'number' && counted > 0 ? counted : evalSetSize };
}

/** Every score of an evaluation with its interval (scores with no known kind are left out). */
export function evaluationIntervals(
  doc: EvaluationLike,
  evalSetSize: number,
  options: IntervalOptions = {},
): Record<string, ScoreInterval> {
  const intervals: Record<string, ScoreInterval> = {};
  for (const key of Object.keys(doc.scores ?? {})) {
    const evidence = scoreEvidence(doc, key, evalSetSize);
    if (evidence) intervals[key] = scoreInterval(evidence, options);
  }
  return intervals;
}
