import { type LabelPair, macroF1 } from './f1';
import { bootstrapInterval, DEFAULT_LEVEL, type Interval, mean, wilsonInterval } from './intervals';

// A stored score with its confidence interval, from whatever evidence the evaluation left:
// per-sample outcomes when present, else the aggregate score and the eval set size.

/** How a score is computed, by the score keys the results store uses. */
export const SCORE_KINDS = {
  function_name: 'accuracy',
  function_name_and_args_accuracy: 'accuracy',
  tool_calling_correctness: 'judge',
  similarity: 'judge',
  f1: 'f1',
  /** Classification's string-check: the answer's label equals the reference's, 1 or 0 per item. */
  label_accuracy: 'accuracy',
  // retriever evaluation (embedding_job): per-query values in [0, 1]
  recall_5: 'judge',
  ndcg_cut_5: 'judge',
  recall_10: 'judge',
  ndcg_cut_10: 'judge',
} as const satisfies Record<string, 'accuracy' | 'judge' | 'f1'>;
export type ScoreKey = keyof typeof SCORE_KINDS;
export const isScoreKey = (k: string): k is ScoreKey => Object.hasOwn(SCORE_KINDS, k);

export type ScoreEvidence =
  | { kind: 'accuracy'; samples: readonly { correct: boolean }[] }
  /** Judge scores normalised to [0, 1]. */
  | { kind: 'judge'; samples: readonly number[] }
  | { kind: 'f1'; samples: readonly LabelPair[] }
  /** Only the aggregate is known (no per-sample results stored). */
  | { kind: 'aggregate'; estimate: number; n: number };

export const INTERVAL_METHODS = ['wilson', 'bootstrap', 'wilson-bound'] as const;
export type IntervalMethod = (typeof INTERVAL_METHODS)[number];

export interface ScoreInterval extends Interval {
  /** Items the score was computed over. */
  n: number;
  level: number;
  /**
   * wilson: per-sample pass/fail; bootstrap: per-sample judge scores or labels, resampled;
   * wilson-bound: aggregate only, Wilson at the worst-case variance of a [0, 1] score.
   */
  method: IntervalMethod;
}

export interface IntervalOptions {
  level?: number;
  resamples?: number;
  seed?: number;
}

export function scoreInterval(evidence: ScoreEvidence, options: IntervalOptions = {}): ScoreInterval {
  const level = options.level ?? DEFAULT_LEVEL;
  const boot = { level, resamples: options.resamples ?? 2000, seed: options.seed ?? 1 };
  switch (evidence.kind) {
    case 'accuracy': {
      const n = evidence.samples.length;
      const hits = evidence.samples.filter((s) => s.correct).length;
      return { ...wilsonInterval(n === 0 ? 0 : hits / n, n, level), n, level, method: 'wilson' };
    }
    case 'judge':
      return {
        ...bootstrapInterval(evidence.samples, mean, boot),
        n: evidence.samples.length,
        level,
        method: 'bootstrap',
      };
    case 'f1':
      return {
        ...bootstrapInterval(evidence.samples, macroF1, boot),
        n: evidence.samples.length,
        level,
        method: 'bootstrap',
      };
    case 'aggregate':
      return { ...wilsonInterval(evidence.estimate, evidence.n, level), n: evidence.n, level, method: 'wilson-bound' };
  }
}
