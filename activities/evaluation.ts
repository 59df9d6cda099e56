import { activityInfo } from '@temporalio/activity';
import { type FlywheelConfig, QualityGateConfigSchema } from '../config/schema';
import type { EvalType, ResolvedWorkloadType } from '../contracts';
import { evaluationIntervals } from '../decision/samples';
import {
  buildEvaluationConfig,
  extractScores,
  NemoPermanentError,
  QUEUED_STATUSES,
  type SampleOutcome,
  sampleOutcome,
  scoreCounts,
} from '../nemo-client';
import { EVALUATION_LAYOUT } from '../nemo-client/evaluation-config';
import type { EvaluationJob } from '../nemo-client/evaluator';
import type { ResultsStore } from '../stores/results/results-store';
import { evaluationId, nimId, type PerSampleResults } from '../stores/results/schema';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import { evaluationJobKey, runGeneration } from './naming';
import { judgeEndpoint, type NemoFactory } from './nemo-factory';
import { pollUntilDone } from './poll';
import { retryTransient } from './transient-retry';

export interface EvaluationDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

interface Resume {
  remoteJobId?: string;
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
      const what = (id: string) => ({ method: 'GET', path: `/v1/evaluation/jobs/${id}` });
      const read = async (id: string): Promise<EvaluationJob> => {
        const job = await client.evaluator.getJob(id);
        if (!job) throw new NemoPermanentError('evaluation job not found', { ...what(id), status: 404 });
        return job;
      };

      const info = activityInfo();
      const resumed = (info.heartbeatDetails as Resume | undefined)?.remoteJobId;
      const remote = resumed
        ? await read(resumed)
        : (
            await client.evaluator.ensureJob(
              {
                namespace,
                config: buildEvaluationConfig({
                  workloadType: input.workloadType,
                  filesUrl: `hf://datasets/${namespace}/${input.datasetName}/eval_data.jsonl`,
                  limit: config.data_split_config.limit,
                  judge: judgeEndpoint(config, config.llm_judge_config),
                }),
                target: { type: 'model', model: input.targetModel },
              },
              { base: evaluationJobKey(jobId, modelName, evalType), generation: runGeneration(info) },
            )
          ).job;
      heartbeat({ remoteJobId: remote.id } satisfies Resume);
      await results.updateEvaluation(docId, {
        job_id: remote.id,
        status: 'running',
        nmp_uri: client.evaluator.jobUri(remote.id),
      });

      const finished = await cancelRemoteOnCancellation(
        () =>
          pollUntilDone({
            read: () => read(remote.id),
            headway: (j) => j.status_details?.progress ?? 0,
            done: (j) => j.status === 'completed',
            failed: (j) =>
              j.status === 'failed' || j.status === 'cancelled'
                ? `evaluation ${j.status}: ${j.status_details?.message ?? 'no detail'}`
                : undefined,
            progress: {
              of: (j) => ({
                progress: j.status_details?.progress ?? 0,
                runtime_seconds: (Date.now() - started.getTime()) / 1000,
              }),
              write: (patch) => results.updateEvaluation(docId, patch),
            },
            heartbeat: (j) => ({ remoteJobId: remote.id, progress: j.status_details?.progress ?? 0 }),
            queued: (j) => QUEUED_STATUSES.has(j.status),
            stalledBecause: (j) => `last status ${j.status}`,
            intervalMs: config.timing.poll_interval_ms,
            stallTimeoutMs: config.timing.job_stall_timeout_ms,
            queueTimeoutMs: config.timing.queue_timeout_ms,
          }),
        async () => {
          await client.evaluator.cancelJob(remote.id);
          await results.updateEvaluation(docId, {
            status: 'cancelled',
            error: 'Flywheel run cancelled',
            finished_at: new Date(),
          });
        },
      );

      // a 5xx or timeout reading the results is read again here: failing the attempt would only
      // resume the finished job to read them again, later
      // the archive is streamed: only each sample's compact outcome is kept, never its item or output
      let samples: SampleOutcome[] = [];
      const archive = await retryTransient(() => {
        samples = []; // a read cut off half way starts over
        return client.evaluator.readSampleResults(remote.id, (record) => {
          const outcome = sampleOutcome(record, samples.length, input.workloadType);
          if (outcome) samples.push(outcome);
        });
      });
      const remoteResults = await retryTransient(() => client.evaluator.getResults(remote.id));
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
        runtime_seconds: (Date.now() - started.getTime()) / 1000,
      });
      return { scores };
    },
  };
}
