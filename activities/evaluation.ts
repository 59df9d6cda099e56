import { activityInfo } from '@temporalio/activity';
import type { FlywheelConfig } from '../config/schema';
import type { EvalType, ResolvedWorkloadType } from '../contracts';
import type { ResultsStore } from '../stores/results/results-store';
import { evaluationId, nimId } from '../stores/results/schema';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import { evaluationJobName } from './naming';
import type { NemoFactory } from './nemo';
import { pollUntilDone } from './poll';

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
     * the results store. Retries resume the same job; cancellation deletes it (the Evaluator
     * has no cancel call) and marks the evaluation cancelled.
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

      const resumed = (activityInfo().heartbeatDetails as Resume | undefined)?.remoteJobId;
      const name = evaluationJobName(jobId, modelName, evalType);
      let job = resumed ? await client.evaluator.getJob(resumed) : await client.evaluator.findJobByName(name);
      job ??= await client.evaluator.createJob({
        name,
        workloadType: input.workloadType,
        filesUrl: `hf://datasets/${namespace}/${input.datasetName}/eval_data.jsonl`,
        limit: config.data_split_config.limit,
        targetModel: input.targetModel,
        judge: config.llm_judge_config,
      });
      const remote = job;
      heartbeat({ remoteJobId: remote.id } satisfies Resume);
      await results.updateEvaluation(docId, {
        job_id: remote.id,
        status: 'running',
        nmp_uri: client.evaluator.jobUri(remote.id),
      });

      await cancelRemoteOnCancellation(
        () =>
          pollUntilDone({
            read: () => client.evaluator.getJob(remote.id),
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
            intervalMs: config.timing.poll_interval_ms,
            stallTimeoutMs: config.timing.job_stall_timeout_ms,
          }),
        async () => {
          await client.evaluator.deleteJob(remote.id);
          await results.updateEvaluation(docId, {
            status: 'cancelled',
            error: 'Flywheel run cancelled',
            finished_at: new Date(),
          });
        },
      );

      const scores = client.evaluator.extractScores(await client.evaluator.getResults(remote.id), input.workloadType);
      await results.updateEvaluation(docId, {
        scores,
        status: 'completed',
        progress: 100,
        finished_at: new Date(),
        runtime_seconds: (Date.now() - started.getTime()) / 1000,
      });
      return { scores };
    },
  };
}
