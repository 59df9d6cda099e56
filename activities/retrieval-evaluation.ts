import { activityInfo } from '@temporalio/activity';
import { RETRIEVAL_METRICS } from '../config/retrieval-schema';
import type { FlywheelConfig } from '../config/schema';
import type { EvalType } from '../contracts';
import { NemoPermanentError, QUEUED_STATUSES } from '../nemo-client';
import { datasetFilesUrl } from '../nemo-client/entity-store';
import type { EvaluationJob, SampleRecord } from '../nemo-client/evaluator';
import { buildRetrieverEvaluation, retrieverScores } from '../nemo-client/retriever-evaluation';
import type { ResultsStore } from '../stores/results/results-store';
import { evaluationId, nimId } from '../stores/results/schema';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import { evaluationJobKey, runGeneration } from './naming';
import type { NemoFactory } from './nemo-factory';
import { pollUntilDone } from './poll';
import { retryTransient } from './transient-retry';

// The retriever evaluation of one embedding model (base or customized) on the run's held-out
// queries: one Evaluator job, found again by its key like an LLM evaluation, polled to the
// end; recall@k and nDCG@k stored with the per-query values the results archive holds.

interface Resume {
  remoteJobId?: string;
}

export function createRetrievalEvaluationActivities({ results, nemo }: { results: ResultsStore; nemo: NemoFactory }) {
  return {
    async runRetrievalEvaluation(input: {
      jobId: string;
      modelName: string;
      evalType: Extract<EvalType, 'base-eval' | 'customized-eval'>;
      datasetName: string;
      targetModel: string;
      config: FlywheelConfig;
    }): Promise<{ scores: Record<string, number> }> {
      const { jobId, modelName, evalType, config } = input;
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const docId = evaluationId(nimId(jobId, modelName), evalType);
      await results.startEvaluation(jobId, modelName, evalType);
      const started = (await results.getEvaluation(docId))?.started_at ?? new Date();
      const read = async (id: string): Promise<EvaluationJob> => {
        const job = await client.evaluator.getJob(id);
        if (!job) {
          throw new NemoPermanentError('evaluation job not found', {
            method: 'GET',
            path: `/v1/evaluation/jobs/${id}`,
            status: 404,
          });
        }
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
                ...buildRetrieverEvaluation({
                  filesUrl: datasetFilesUrl(namespace, input.datasetName),
                  metrics: RETRIEVAL_METRICS,
                  model: input.targetModel,
                  nimBaseUrl: config.nmp_config.nim_base_url,
                  topK: config.retrieval_config.top_k,
                }),
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
      await cancelRemoteOnCancellation(
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
      const remoteResults = await retryTransient(() => client.evaluator.getResults(remote.id));
      const scores = retrieverScores(remoteResults, RETRIEVAL_METRICS);
      if (Object.keys(scores).length === 0) {
        throw new NemoPermanentError(
          `the retriever evaluation's results hold none of ${RETRIEVAL_METRICS.join(', ')}`,
          {
            method: 'GET',
            path: `/v1/evaluation/jobs/${remote.id}/results`,
          },
        );
      }
      // Per-query values, when the results archive has them (the decision's intervals use them).
      const records = await retryTransient(() => client.evaluator.getSampleResults(remote.id)).catch(
        () => [] as SampleRecord[],
      );
      const samples = records.map((r, index) => ({
        index,
        scores: Object.fromEntries(
          RETRIEVAL_METRICS.flatMap((m) => {
            const v = r.metrics[m]?.[m];
            return typeof v === 'number' ? [[m, v]] : [];
          }),
        ),
      }));
      await results.updateEvaluation(docId, {
        scores,
        samples,
        status: 'completed',
        progress: 100,
        finished_at: new Date(),
        runtime_seconds: (Date.now() - started.getTime()) / 1000,
      });
      return { scores };
    },
  };
}
