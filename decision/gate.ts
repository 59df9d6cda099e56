import type { ScoreInterval } from './scores';

/** The bar a candidate must clear for one workload type. */
export interface GateRule {
  /** The score key that decides (e.g. function_name_and_args_accuracy, similarity, f1). */
  metric: string;
  /**
   * Relative to the production model: the eval references are its own logged answers, so 1.0
   * means "answers as production did" and 0.95 means 95% of that.
   */
  threshold: number;
  /** Fewer eval items than this and no score is trusted, however high. */
  min_eval_size: number;
}

export interface GateVerdict {
  passes: boolean;
  reason: string;
}

const f = (x: number) => x.toFixed(3);

/** A candidate passes when its interval's lower bound reaches the threshold on enough items. */
export function applyGate(rule: GateRule, score: ScoreInterval | undefined): GateVerdict {
  if (!score) return { passes: false, reason: `no ${rule.metric} score (evaluation did not complete)` };
  const shown = `${rule.metric} ${f(score.estimate)} [${f(score.low)}, ${f(score.high)}] over ${score.n} items`;
  if (score.n < rule.min_eval_size) {
    return { passes: false, reason: `${shown}: eval set below min_eval_size ${rule.min_eval_size}` };
  }
  if (score.low < rule.threshold) {
    return { passes: false, reason: `${shown}: lower bound ${f(score.low)} is below the gate ${f(rule.threshold)}` };
  }
  return { passes: true, reason: `${shown}: lower bound clears the gate ${f(rule.threshold)}` };
}
