import { z } from '@hono/zod-openapi';
import { DECISION_WORKLOAD_TYPES, EVAL_TYPES, MODEL_VARIANTS } from '../../contracts';
import { INTERVAL_METHODS } from '../../decision/scores';
import { NAIVE_UTC_EXAMPLE } from '../time';

// Response shapes of a run's decision (added; the Blueprint has none): scores with confidence
// intervals, the quality gate, costs, and the recommendation.

/**
 * Nullable reference to a named schema. `.nullable()` on a registered schema is emitted as a
 * bare $ref (null not allowed); a union with null is emitted as anyOf [$ref, null].
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

const Variant = z.enum(MODEL_VARIANTS).openapi('Variant');
const EvalKind = z.enum(EVAL_TYPES);

export const ScoreInterval = z
  .object({
    estimate: z.number(),
    low: z.number(),
    high: z.number(),
    n: z.number().int().nonnegative().openapi({ description: 'Eval items the score was computed over' }),
    level: z.number().openapi({ example: 0.95 }),
    method: z.enum(INTERVAL_METHODS).openapi({
      description:
        'wilson: per-sample pass/fail; bootstrap: per-sample judge scores or labels resampled; wilson-bound: only the aggregate was stored, Wilson at the worst-case variance of a [0, 1] score',
    }),
  })
  .openapi('ScoreInterval');

export const Recommendation = z
  .object({
    status: z.enum(['recommended', 'none']),
    model: z.string().nullable(),
    variant: orNull(Variant),
    eval_type: EvalKind.nullable(),
    metric: z.string(),
    score: orNull(ScoreInterval),
    monthly_cost: z.number().nullable().openapi({ description: 'USD per month for the workload traffic' }),
    production_monthly_cost: z.number().nullable(),
    saving_fraction: z.number().nullable().openapi({ description: '0.986 = 98.6% cheaper than production' }),
    summary: z.string(),
    reasons: z.array(z.object({ model: z.string(), reason: z.string() })).openapi({
      description: 'Why each other candidate was not recommended',
    }),
  })
  .openapi('Recommendation', { description: 'Advice: promoting a model stays a human decision' });

export const RegressionVerdict = z
  .object({
    passes: z.boolean(),
    threshold_ratio: z.number().openapi({ example: 0.95 }),
    reason: z.string(),
    benchmarks: z.array(
      z.object({
        benchmark: z.string().openapi({ example: 'gsm8k' }),
        metric: z.string().nullable(),
        base_score: z.number().nullable(),
        customized_score: z.number().nullable(),
        ratio: z.number().nullable().openapi({ description: 'customized / base' }),
        passes: z.boolean(),
        reason: z.string(),
      }),
    ),
  })
  .openapi('RegressionVerdict', {
    description:
      "Added: the regression gate. The customized model's general benchmark scores against threshold_ratio × the base model's",
  });

export const CandidateVerdict = z
  .object({
    model: z.string(),
    variant: Variant,
    eval_type: EvalKind,
    status: z.string(),
    scores: z.record(z.string(), ScoreInterval),
    monthly_cost: z.number().nullable(),
    saving_fraction: z.number().nullable(),
    gate: z.object({ passes: z.boolean(), reason: z.string() }),
    regression: RegressionVerdict.optional().openapi({
      description: 'Added: customized variants under the regression gate (a regressed one fails `gate`)',
    }),
  })
  .openapi('CandidateVerdict');

export const Traffic = z
  .object({
    requests_per_day: z.number(),
    input_tokens_per_request: z.number(),
    output_tokens_per_request: z.number(),
    total_requests: z.number().int(),
    requests_in_window: z.number().int(),
    window_days: z.number(),
    sampled: z.number().int(),
    first_seen: z.string().nullable(),
    last_seen: z.string().nullable(),
    logged_model: z.string().nullable(),
  })
  .openapi('WorkloadTraffic');

export const Decision = z
  .object({
    workload_type: z.enum(DECISION_WORKLOAD_TYPES),
    gate: z.object({
      metric: z.string(),
      threshold: z.number(),
      min_eval_size: z.number().int(),
      confidence_level: z.number(),
    }),
    production: z.object({
      model: z.string().nullable(),
      source: z.enum(['config', 'logs', 'none']),
      monthly_cost: z.number().nullable(),
    }),
    traffic: Traffic,
    candidates: z.array(CandidateVerdict),
    recommendation: Recommendation,
    regression_gate: z
      .object({ threshold_ratio: z.number() })
      .optional()
      .openapi({ description: 'Added: present when the regression gate is on' }),
    computed_at: z.string().openapi({ example: NAIVE_UTC_EXAMPLE }),
  })
  .openapi('Decision');

export type DecisionResponse = z.infer<typeof Decision>;
