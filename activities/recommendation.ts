import { jobCandidates } from '../config/job-candidates';
import {
  CostModelConfigSchema,
  type FlywheelConfig,
  modelPrices,
  QualityGateConfigSchema,
  RegressionGateConfigSchema,
} from '../config/schema';
import { buildDecision, type WorkloadKind } from '../decision/build';
import type { EvalKind } from '../decision/recommend';
import type { DatasetReport } from '../pipeline/dataset-report';
import type { ResultsStore } from '../stores/results/results-store';
import type { StoredDecision } from '../stores/results/schema';
import { workloadTraffic } from '../stores/traffic-stats';
import { benchmarksFor } from '../workflows/general-benchmarks';
import type { ActivityDeps } from './deps';

type Deps = Pick<ActivityDeps, 'results' | 'elasticsearch' | 'logIndex'>;

export function createRecommendationActivities({ results, elasticsearch, logIndex }: Deps) {
  return {
    /**
     * At the end of a run: every evaluated variant's scores with confidence intervals, the
     * quality gate, the monthly cost on the workload's real traffic, and the recommendation,
     * stored on the run. Recomputed from the stored documents, so a retry writes the same.
     */
    async recordRecommendation(input: { jobId: string; config: FlywheelConfig }): Promise<{
      status: 'recommended' | 'none';
      summary: string;
    }> {
      const decision = await computeDecision(results, elasticsearch, logIndex, input.jobId, input.config);
      if (!decision) return { status: 'none', summary: `run ${input.jobId} not found` };
      await results.setRunDecision(input.jobId, decision);
      return { status: decision.recommendation.status, summary: decision.recommendation.summary };
    },
  };
}

export async function computeDecision(
  results: ResultsStore,
  elasticsearch: Deps['elasticsearch'],
  logIndex: string,
  jobId: string,
  config: FlywheelConfig,
): Promise<StoredDecision | null> {
  const run = await results.getRun(jobId);
  if (!run) return null;
  // A run started before these sections existed carries a config without them: the defaults.
  const gates = QualityGateConfigSchema.parse(config.quality_gate ?? {});
  const cost = CostModelConfigSchema.parse(config.cost_model ?? {});
  const regressionGate = RegressionGateConfigSchema.parse(config.regression_gate ?? {});
  const report = run.dataset_report as Partial<DatasetReport> | null;
  const retrieval = run.job_type === 'embedding_job';
  const workloadType: WorkloadKind = retrieval
    ? 'retrieval'
    : (report?.workloadType ?? (config.workload_type === 'auto' ? 'generic' : config.workload_type));
  const { evaluations, nims } = await results.getRunSteps(run);
  const modelOf = new Map(nims.map((n) => [n._id, n.model_name]));
  const traffic = await workloadTraffic(elasticsearch, logIndex, {
    workloadId: run.workload_id,
    clientId: run.client_id,
    windowDays: cost.traffic_window_days,
    sampleSize: cost.token_sample_size,
  });
  const productionModel = cost.production_model ?? traffic.logged_model;
  const decision = buildDecision({
    workloadType,
    gate: gates[workloadType],
    confidenceLevel: gates.confidence_level,
    evalSetSize: retrieval
      ? (report?.split?.eval ?? 0)
      : Math.min(report?.split?.eval ?? 0, config.data_split_config.limit),
    evaluations: evaluations.map((e) => ({
      model: modelOf.get(e.nim_id) ?? e.nim_id.slice(jobId.length + 1),
      eval_type: e.eval_type as EvalKind,
      status: e.status,
      scores: e.scores,
      samples: e.samples,
      score_counts: e.score_counts,
      score_intervals: e.score_intervals,
    })),
    models: run.candidate_models ?? jobCandidates(config, run.job_type).map((n) => n.model_name),
    traffic,
    iclExtraInputTokens: report?.icl?.exampleTokensPerRecord?.mean ?? 0,
    prices: modelPrices(cost),
    // the regression gate's general benchmarks are for LLM candidates
    regression:
      regressionGate.enabled && !retrieval
        ? {
            threshold_ratio: regressionGate.threshold_ratio,
            models: new Map(
              config.nims.map((candidate) => [
                candidate.model_name,
                {
                  expected: benchmarksFor({ ...config, regression_gate: regressionGate }, candidate).map((b) => b.type),
                  runs: Object.values(
                    nims.find((n) => n.model_name === candidate.model_name)?.general_benchmarks ?? {},
                  ),
                },
              ]),
            ),
          }
        : null,
    production: {
      model: productionModel,
      source: cost.production_model ? 'config' : traffic.logged_model ? 'logs' : 'none',
    },
  });
  return { ...decision, traffic, computed_at: new Date() };
}
