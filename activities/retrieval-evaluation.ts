import { RETRIEVAL_METRICS } from '../config/retrieval-schema';
import type { FlywheelConfig } from '../config/schema';
import type { EvalType } from '../contracts';
import { NemoPermanentError } from '../nemo-client';
import { datasetFilesUrl } from '../nemo-client/entity-store';
import type { SampleRecord } from '../nemo-client/evaluator';
import { buildRetrieverEvaluation, retrieverScores } from '../nemo-client/retriever-evaluation';
import type { ResultsStore } from '../stores/results/results-store';
import { evaluationId, nimId } from '../stores/results/schema';
import { evaluationRecord, runEvaluationJob } from './evaluation-job';
import { evaluationJobKey } from './naming';
import type { NemoFactory } from './nemo-factory';
import { retryTransient } from './transient-retry';

// The retriever evaluation of one embedding model (base or customized) on the run's held-out
// queries: one Evaluator job, found again by its key like an LLM evaluation, polled to the
// end; recall@k and nDCG@k stored with the per-query values the results archive holds.

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
      const record = evaluationRecord(results, client, docId, started);
      const request = {
        namespace,
        ...buildRetrieverEvaluation({
          filesUrl: datasetFilesUrl(namespace, input.datasetName),
          metrics: RETRIEVAL_METRICS,
          model: input.targetModel,
          nimBaseUrl: config.nmp_config.nim_base_url,
          topK: config.retrieval_config.top_k,
        }),
      };
      const key = evaluationJobKey(jobId, modelName, evalType);
      return runEvaluationJob({ client, config, request, key, label: 'evaluation', ...record }, async (finished) => {
        const remoteResults = await retryTransient(() => client.evaluator.getResults(finished.id));
        const scores = retrieverScores(remoteResults, RETRIEVAL_METRICS);
        if (Object.keys(scores).length === 0) {
          throw new NemoPermanentError(
            `the retriever evaluation's results hold none of ${RETRIEVAL_METRICS.join(', ')}`,
            {
              method: 'GET',
              path: `/v1/evaluation/jobs/${finished.id}/results`,
            },
          );
        }
        // Per-query values, when the results archive has them (the decision's intervals use them).
        const records = await retryTransient(() => client.evaluator.getSampleResults(finished.id)).catch(
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
          runtime_seconds: record.runtimeSeconds(),
        });
        return { scores };
      });
    },
  };
}
