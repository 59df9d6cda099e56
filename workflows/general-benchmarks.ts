import type { CandidateModel, FlywheelConfig, GeneralBenchmark } from '../config/schema';

/**
 * The regression gate's benchmarks a candidate runs: none when the gate is off (or absent, in a
 * config from before it existed) or the candidate is not customized. Zod-free: workflow code.
 */
export function benchmarksFor(config: FlywheelConfig, candidate: CandidateModel): GeneralBenchmark[] {
  const gate = config.regression_gate;
  if (!gate?.enabled || !candidate.customization_enabled) return [];
  return gate.candidates?.[candidate.model_name] ?? gate.benchmarks ?? [];
}
