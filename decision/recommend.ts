import { savingFraction } from './cost';
import { applyGate, type GateRule, type GateVerdict } from './gate';
import type { RegressionVerdict } from './regression';
import type { ScoreInterval } from './scores';

// The run's advice: the cheapest candidate variant whose interval's lower bound clears the
// gate, or none with each candidate's reason. Promotion stays a person's decision.

export const VARIANT_OF_EVAL = { 'base-eval': 'base', 'icl-eval': 'icl', 'customized-eval': 'customized' } as const;
export type EvalKind = keyof typeof VARIANT_OF_EVAL;
export type Variant = (typeof VARIANT_OF_EVAL)[EvalKind];
/** Among equally cheap variants: no adapter or extra prompt first, then the adapter, then ICL's longer prompts. */
const VARIANT_PREFERENCE: Variant[] = ['base', 'customized', 'icl'];

export interface VariantEvidence {
  model: string;
  variant: Variant;
  eval_type: EvalKind;
  /** The evaluation's step status. */
  status: string;
  scores: Record<string, ScoreInterval>;
  /** USD per month for the workload's traffic; null when the model has no price. */
  monthly_cost: number | null;
  /** Customized variants under the regression gate: their general benchmarks against the base model's. */
  regression?: RegressionVerdict;
}

export interface VariantVerdict extends VariantEvidence {
  gate: GateVerdict;
  saving_fraction: number | null;
}

export interface Recommendation {
  status: 'recommended' | 'none';
  model: string | null;
  variant: Variant | null;
  eval_type: EvalKind | null;
  metric: string;
  score: ScoreInterval | null;
  monthly_cost: number | null;
  production_monthly_cost: number | null;
  saving_fraction: number | null;
  /** One line for a person. */
  summary: string;
  /** Per candidate model, why it was not recommended (empty for the recommended one). */
  reasons: { model: string; reason: string }[];
}

const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
const usd = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

export function recommend(
  rule: GateRule,
  variants: readonly VariantEvidence[],
  production: { model: string | null; monthly_cost: number | null },
): { recommendation: Recommendation; verdicts: VariantVerdict[] } {
  const verdicts: VariantVerdict[] = variants.map((v) => ({
    ...v,
    gate: withRegression(applyGate(rule, v.scores[rule.metric]), v.regression),
    saving_fraction:
      v.monthly_cost !== null && production.monthly_cost !== null
        ? savingFraction(production.monthly_cost, v.monthly_cost)
        : null,
  }));
  const passing = verdicts
    .filter((v) => v.gate.passes)
    .sort(
      (a, b) =>
        (a.monthly_cost ?? Number.POSITIVE_INFINITY) - (b.monthly_cost ?? Number.POSITIVE_INFINITY) ||
        VARIANT_PREFERENCE.indexOf(a.variant) - VARIANT_PREFERENCE.indexOf(b.variant) ||
        (b.scores[rule.metric]?.low ?? 0) - (a.scores[rule.metric]?.low ?? 0),
    );
  const best = passing[0];
  const models = [...new Set(verdicts.map((v) => v.model))];
  const reasons = models
    .filter((m) => m !== best?.model)
    .map((model) => {
      const own = verdicts.filter((v) => v.model === model);
      const passed = own.filter((v) => v.gate.passes);
      if (passed.length > 0 && best) {
        return { model, reason: `clears the gate but costs more than ${best.model} (${best.variant})` };
      }
      const parts = own.map(
        (v) => `${v.variant}: ${v.status === 'completed' ? v.gate.reason : `evaluation ${v.status}`}`,
      );
      return { model, reason: parts.length > 0 ? parts.join('; ') : 'no evaluation ran' };
    });
  const base = { metric: rule.metric, production_monthly_cost: production.monthly_cost, reasons };
  // a customized model that forgot is named in the summary, whoever is recommended
  const forgot = verdicts
    .filter((v) => v.regression && !v.regression.passes)
    .map((v) => `${v.model} (${v.variant}): ${v.regression?.reason}`);
  const regressionNote = forgot.length > 0 ? ` Not recommended by the regression gate: ${forgot.join('; ')}.` : '';
  if (!best) {
    return {
      verdicts,
      recommendation: {
        ...base,
        status: 'none',
        model: null,
        variant: null,
        eval_type: null,
        score: null,
        monthly_cost: null,
        saving_fraction: null,
        summary:
          models.length === 0
            ? 'No recommendation: no candidate was evaluated.'
            : `No recommendation: no candidate's ${rule.metric} lower bound clears the gate ${rule.threshold} (with at least ${rule.min_eval_size} eval items)${forgot.length > 0 ? ' and the regression gate' : ''}. Keep the production model.${regressionNote}`,
      },
    };
  }
  const score = best.scores[rule.metric] as ScoreInterval;
  const saving =
    best.saving_fraction === null
      ? 'cost unknown (no price configured)'
      : `${usd(best.monthly_cost as number)}/month vs ${usd(production.monthly_cost as number)} for ${production.model ?? 'production'}, saving ${pct(best.saving_fraction)}`;
  return {
    verdicts,
    recommendation: {
      ...base,
      status: 'recommended',
      model: best.model,
      variant: best.variant,
      eval_type: best.eval_type,
      score,
      monthly_cost: best.monthly_cost,
      saving_fraction: best.saving_fraction,
      summary: `Recommend ${best.model} (${best.variant}): ${rule.metric} ${score.estimate.toFixed(3)}, ${Math.round(score.level * 100)}% CI [${score.low.toFixed(3)}, ${score.high.toFixed(3)}], n=${score.n}, clears the gate ${rule.threshold}${best.regression ? ' and the regression gate' : ''}; ${saving}. Advice only: promoting it is your decision.${regressionNote}`,
    },
  };
}

/** The domain gate's verdict, failed too when the variant regressed (or its regression could not be checked). */
function withRegression(gate: GateVerdict, regression: RegressionVerdict | undefined): GateVerdict {
  if (!regression || regression.passes) return gate;
  return {
    passes: false,
    reason: gate.passes ? `${gate.reason}, but ${regression.reason}` : `${gate.reason}; ${regression.reason}`,
  };
}
