import { type DECISION_WORKLOAD_TYPES, EVAL_TYPES } from '../contracts';
import { type ModelCost, monthlyCost, type Traffic } from './cost';
import type { GateRule } from './gate';
import { type EvalKind, type Recommendation, recommend, VARIANT_OF_EVAL, type VariantVerdict } from './recommend';
import { type BenchmarkRun, regressionVerdict } from './regression';
import { type EvaluationLike, scoreEvidence } from './samples';
import { type ScoreInterval, scoreInterval } from './scores';

// A run's decision from what the run stored: every evaluated variant's scores with intervals,
// its gate verdict and monthly cost, and the recommendation. Pure: the caller reads the
// documents, the config and the traffic.

export type WorkloadKind = (typeof DECISION_WORKLOAD_TYPES)[number];

export interface EvaluationInput extends EvaluationLike {
  model: string;
  eval_type: EvalKind;
  status: string;
  /** The intervals stored with the scores when the evaluation completed; used at the same level. */
  score_intervals?: Record<string, ScoreInterval>;
}

export interface DecisionInputs {
  workloadType: WorkloadKind;
  gate: GateRule;
  confidenceLevel: number;
  /** Eval items each evaluation scored when no per-sample results say otherwise. */
  evalSetSize: number;
  evaluations: readonly EvaluationInput[];
  /** Candidate models of the run, so a model whose evaluations never started still gets a reason. */
  models: readonly string[];
  traffic: Traffic;
  /** Prompt tokens the ICL examples add to every request. */
  iclExtraInputTokens: number;
  prices: ReadonlyMap<string, ModelCost>;
  production: { model: string | null; source: 'config' | 'logs' | 'none' };
  /** The regression gate, when on: per customized model, the benchmarks expected and those that ran. */
  regression?: {
    threshold_ratio: number;
    models: ReadonlyMap<string, { expected: readonly string[]; runs: readonly BenchmarkRun[] }>;
  } | null;
}

export interface RunDecision {
  workload_type: WorkloadKind;
  gate: GateRule & { confidence_level: number };
  production: { model: string | null; source: 'config' | 'logs' | 'none'; monthly_cost: number | null };
  candidates: VariantVerdict[];
  recommendation: Recommendation;
  /** Added with the regression gate: its ratio, when the gate is on. */
  regression_gate?: { threshold_ratio: number };
}

const EVAL_ORDER: readonly EvalKind[] = EVAL_TYPES;

export function buildDecision(inputs: DecisionInputs): RunDecision {
  const costOf = (model: string | null, extraInput = 0): number | null => {
    const price = model ? inputs.prices.get(model) : undefined;
    if (!price) return null;
    const traffic = {
      ...inputs.traffic,
      input_tokens_per_request: inputs.traffic.input_tokens_per_request + extraInput,
    };
    return monthlyCost(price, traffic);
  };
  const level = inputs.confidenceLevel;
  const regressionOf = (model: string, evalType: EvalKind) => {
    const gated = inputs.regression?.models.get(model);
    if (!inputs.regression || !gated || evalType !== 'customized-eval' || gated.expected.length === 0) return {};
    return { regression: regressionVerdict(inputs.regression.threshold_ratio, gated.expected, gated.runs) };
  };
  const variants = [...inputs.evaluations]
    .sort(
      (a, b) =>
        inputs.models.indexOf(a.model) - inputs.models.indexOf(b.model) ||
        EVAL_ORDER.indexOf(a.eval_type) - EVAL_ORDER.indexOf(b.eval_type),
    )
    .map((e) => {
      const scores: Record<string, ScoreInterval> = {};
      if (e.status === 'completed') {
        for (const key of Object.keys(e.scores ?? {})) {
          const stored = e.score_intervals?.[key];
          if (stored && stored.level === level) {
            scores[key] = stored;
            continue;
          }
          const evidence = scoreEvidence(e, key, inputs.evalSetSize);
          if (evidence) scores[key] = scoreInterval(evidence, { level });
        }
      }
      return {
        model: e.model,
        variant: VARIANT_OF_EVAL[e.eval_type],
        eval_type: e.eval_type,
        status: e.status,
        scores,
        monthly_cost: costOf(e.model, e.eval_type === 'icl-eval' ? inputs.iclExtraInputTokens : 0),
        ...regressionOf(e.model, e.eval_type),
      };
    });
  const productionCost = costOf(inputs.production.model);
  const { recommendation, verdicts } = recommend(inputs.gate, variants, {
    model: inputs.production.model,
    monthly_cost: productionCost,
  });
  const evaluated = new Set(variants.map((v) => v.model));
  for (const model of inputs.models) {
    if (!evaluated.has(model)) recommendation.reasons.push({ model, reason: 'no evaluation ran' });
  }
  if (inputs.production.model && productionCost === null) {
    recommendation.summary += ` (no price configured for the production model ${inputs.production.model}: saving unknown)`;
  }
  return {
    workload_type: inputs.workloadType,
    gate: { ...inputs.gate, confidence_level: level },
    production: { ...inputs.production, monthly_cost: productionCost },
    candidates: verdicts,
    recommendation,
    ...(inputs.regression ? { regression_gate: { threshold_ratio: inputs.regression.threshold_ratio } } : {}),
  };
}
