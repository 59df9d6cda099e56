import type { FlywheelConfig, GeneralBenchmark } from '../config/schema';
import type { BenchmarkVariant } from '../contracts';
import { benchmarkScore, buildBenchmarkConfig, NemoPermanentError, openAiBaseUrl } from '../nemo-client';
import type { ResultsStore } from '../stores/results/results-store';
import type { GeneralBenchmarkDoc } from '../stores/results/schema';
import { runEvaluationJob } from './evaluation-job';
import { evaluationJobKey } from './naming';
import type { NemoFactory } from './nemo-factory';
import { retryTransient } from './transient-retry';

export interface GeneralBenchmarkDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

export interface GeneralBenchmarkResult {
  benchmark: string;
  variant: BenchmarkVariant;
  score: number | null;
  status: 'completed' | 'failed';
  error?: string;
}

export function createGeneralBenchmarkActivities({ results, nemo }: GeneralBenchmarkDeps) {
  return {
    /**
     * One academic benchmark (the regression gate) on a candidate's base or customized model:
     * an Evaluator job of the benchmark's own type, targeting the model through the NIM proxy's
     * chat endpoint, as the Evaluator's LM Harness docs do. Its deterministic key is in
     * `custom_fields`, so a retry or a lost create response finds the job again (never a second
     * one); the score is stored on the candidate's document under `general_benchmarks`. A job
     * that fails or whose results lack the metric is recorded as failed and answered, not
     * thrown: the gate then says it could not be checked.
     */
    async runGeneralBenchmark(input: {
      jobId: string;
      modelName: string;
      variant: BenchmarkVariant;
      benchmark: GeneralBenchmark;
      targetModel: string;
      config: FlywheelConfig;
    }): Promise<GeneralBenchmarkResult> {
      const { jobId, modelName, variant, benchmark, config } = input;
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const base: GeneralBenchmarkDoc = {
        benchmark: benchmark.type,
        variant,
        target_model: input.targetModel,
        task: benchmark.task ?? benchmark.type,
        metric: null,
        score: null,
        count: null,
        status: 'running',
        job_id: null,
        nmp_uri: null,
        error: null,
        started_at: new Date(),
        finished_at: null,
      };
      const record = (patch: Partial<GeneralBenchmarkDoc>) =>
        results.setGeneralBenchmark(jobId, modelName, Object.assign(base, patch));
      const failed = async (error: string): Promise<GeneralBenchmarkResult> => {
        await record({ status: 'failed', error, finished_at: new Date() });
        return { benchmark: benchmark.type, variant, score: null, status: 'failed', error };
      };
      const request = {
        namespace,
        config: buildBenchmarkConfig(benchmark),
        target: {
          type: 'model' as const,
          model: {
            api_endpoint: {
              url: `${openAiBaseUrl(config.nmp_config.nim_base_url)}/chat/completions`,
              model_id: input.targetModel,
            },
          },
        },
      };
      return runEvaluationJob(
        {
          client,
          config,
          request,
          key: evaluationJobKey(jobId, modelName, `benchmark-${variant}-${benchmark.type}`),
          label: `benchmark ${benchmark.type}`,
          recordJob: (remote) => record({ job_id: remote.id, nmp_uri: client.evaluator.jobUri(remote.id) }),
          recordCancelled: () =>
            record({ status: 'cancelled', error: 'Flywheel run cancelled', finished_at: new Date() }),
          // a failed or stalled job is the gate's "could not be checked", not the activity's failure
          ended: (err) => failed(err.message),
        },
        async (finished) => {
          try {
            const scored = benchmarkScore(
              await retryTransient(() => client.evaluator.getResults(finished.id)),
              benchmark,
              finished.id,
            );
            await record({
              status: 'completed',
              task: scored.task,
              metric: scored.metric,
              score: scored.value,
              count: scored.count,
              finished_at: new Date(),
            });
            return { benchmark: benchmark.type, variant, score: scored.value, status: 'completed' };
          } catch (err) {
            if (!(err instanceof NemoPermanentError)) throw err;
            return failed(err.message);
          }
        },
      );
    },
  };
}
