// Monthly inference cost of serving a workload's traffic with one model, and the saving of a
// candidate against the production model. Pure arithmetic; prices come from the config.

export const DAYS_PER_MONTH = 30;
export const HOURS_PER_MONTH = DAYS_PER_MONTH * 24;

export type ModelCost =
  /** Pay per token (a hosted endpoint): USD per million input and output tokens. */
  | { input_per_million: number; output_per_million: number }
  /**
   * Self-hosted: GPUs per replica at an hourly rate, each replica serving `tokens_per_second`
   * (input + output). Enough replicas run all month to carry the traffic, at least one.
   */
  | { gpus: number; gpu_hourly_rate: number; tokens_per_second: number };

export interface Traffic {
  requests_per_day: number;
  input_tokens_per_request: number;
  output_tokens_per_request: number;
}

export function monthlyTokens(t: Traffic): { input: number; output: number } {
  const requests = t.requests_per_day * DAYS_PER_MONTH;
  return { input: requests * t.input_tokens_per_request, output: requests * t.output_tokens_per_request };
}

/** USD per month for the traffic on this model. */
export function monthlyCost(cost: ModelCost, traffic: Traffic): number {
  const tokens = monthlyTokens(traffic);
  if ('input_per_million' in cost) {
    return (tokens.input * cost.input_per_million + tokens.output * cost.output_per_million) / 1e6;
  }
  const perSecond = (tokens.input + tokens.output) / (HOURS_PER_MONTH * 3600);
  const replicas = Math.max(1, Math.ceil(perSecond / cost.tokens_per_second));
  return replicas * cost.gpus * cost.gpu_hourly_rate * HOURS_PER_MONTH;
}

/** The saving as a fraction of the production cost (0.986 = 98.6%); negative when dearer. */
export function savingFraction(productionMonthly: number, candidateMonthly: number): number {
  if (!(productionMonthly > 0)) return 0;
  return (productionMonthly - candidateMonthly) / productionMonthly;
}
