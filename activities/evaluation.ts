import { type FlywheelConfig, QualityGateConfigSchema } from '../config/schema';
import type { EvalType, ResolvedWorkloadType } from '../contracts';
import { evaluationIntervals } from '../decision/samples';
import { buildEvaluationConfig, extractScores, type SampleOutcome, sampleOutcome, scoreCounts } from '../nemo-client';
import { EVALUATION_LAYOUT } from '../nemo-client/evaluation-config';
import type { ResultsStore } from '../stores/results/results-store';
import { evaluationId, nimId, type PerSampleResults } from '../stores/results/schema';
import { evaluationRecord, runEvaluationJob } from './evaluation-job';
import { evaluationJobKey } from './naming';
import { judgeEndpoint, type NemoFactory } from './nemo-factory';
import { retryTransient } from './transient-retry';

export interface EvaluationDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

export function createEvaluationActivities({ results, nemo }: EvaluationDeps) {
  return {
    /**
     * One NeMo Evaluator job (base, ICL or customized), polled to the end with progress in
     * the results store. The job carries its deterministic key in `custom_fields`, so a retry
     * (or a create whose response was lost) finds it again by the documented list filter;
     * after a failed job a reset or new run makes a fresh one. Cancellation cancels the job
     * (`POST .../cancel`) and marks the evaluation cancelled. Per-sample outcomes are stored
     * with the scores (`samples`), and every score's confidence interval computed from them
     * (`score_intervals`): Wilson for accuracies, a seeded bootstrap for judge scores and F1.
     * A server whose results archive has no per-sample results gets intervals from the
     * aggregate and its count (`wilson-bound`), and `per_sample` says so.
     */
    async runEvaluation(input: {
      jobId: string;
      modelName: string;
      evalType: EvalType;
      datasetName: string;
      targetModel: string;
      workloadType: ResolvedWorkloadType;
      config: FlywheelConfig;
    }): Promise<{ scores: Record<string, number> }> {
      const { jobId, modelName, evalType, config } = input;
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const docId = evaluationId(nimId(jobId, modelName), evalType);
      await results.startEvaluation(jobId, modelName, evalType);
      const started = (await results.getEvaluation(docId))?.started_at ?? new Date();
      const record = evaluationRecord(results, client, docId, started);
      const request = {
        namespace,
        config: buildEvaluationConfig({
          workloadType: input.workloadType,
          filesUrl: `hf://datasets/${namespace}/${input.datasetName}/eval_data.jsonl`,
          limit: config.data_split_config.limit,
          judge: judgeEndpoint(config, config.llm_judge_config),
        }),
        target: { type: 'model' as const, model: input.targetModel },
      };
      const key = evaluationJobKey(jobId, modelName, evalType);
      return runEvaluationJob({ client, config, request, key, label: 'evaluation', ...record }, async (finished) => {
        // a 5xx or timeout reading the results is read again here: failing the attempt would only
        // resume the finished job to read them again, later
        // the archive is streamed: only each sample's compact outcome is kept, never its item or output
        let samples: SampleOutcome[] = [];
        const archive = await retryTransient(() => {
          samples = []; // a read cut off half way starts over
          return client.evaluator.readSampleResults(finished.id, (record) => {
            const outcome = sampleOutcome(record, samples.length, input.workloadType);
            if (outcome) samples.push(outcome);
          });
        });
        const remoteResults = await retryTransient(() => client.evaluator.getResults(finished.id));
        const scores = extractScores(remoteResults, input.workloadType, samples);
        const score_counts = scoreCounts(remoteResults, input.workloadType, samples);
        const task = EVALUATION_LAYOUT[input.workloadType].task;
        const per_sample: PerSampleResults =
          samples.length > 0
            ? {
                available: true,
                count: samples.length,
                detail: `download-results: ${samples.length} samples of task ${task}`,
              }
            : {
                available: false,
                count: 0,
                detail: `${archive.archive === 'absent' ? 'the server has no results archive (download-results answered 404)' : `the results archive holds no per-sample results of task ${task}`}: intervals come from the aggregate scores and their counts (wilson-bound)`,
              };
        const level = QualityGateConfigSchema.parse(config.quality_gate ?? {}).confidence_level;
        // with no count at all an interval is left for the decision to bound by the eval set size
        const score_intervals = Object.fromEntries(
          Object.entries(
            evaluationIntervals({ scores, samples, score_counts }, finished.status_details?.samples_processed ?? 0, {
              level,
            }),
          ).filter(([, i]) => i.n > 0),
        );
        await results.updateEvaluation(docId, {
          scores,
          samples,
          score_intervals,
          score_counts,
          per_sample,
          status: 'completed',
          progress: 100,
          finished_at: new Date(),
          runtime_seconds: record.runtimeSeconds(),
        });
        return { scores };
      });
    },
  };
}
