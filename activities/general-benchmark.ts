import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { FlywheelConfig, GeneralBenchmark } from '../config/schema';
import type { BenchmarkVariant } from '../contracts';
import {
  benchmarkScore,
  buildBenchmarkConfig,
  NemoPermanentError,
  openAiBaseUrl,
  QUEUED_STATUSES,
} from '../nemo-client';
import type { EvaluationJob } from '../nemo-client/evaluator';
import type { ResultsStore } from '../stores/results/results-store';
import type { GeneralBenchmarkDoc } from '../stores/results/schema';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import { evaluationJobKey, runGeneration } from './naming';
import type { NemoFactory } from './nemo-factory';
import { pollUntilDone } from './poll';
import { retryTransient } from './transient-retry';

export interface GeneralBenchmarkDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

interface Resume {
  remoteJobId?: string;
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
      const read = async (id: string): Promise<EvaluationJob> => {
        const job = await client.evaluator.getJob(id);
        if (!job) {
          throw new NemoPermanentError('evaluation job not found', {
            method: 'GET',
            path: `/v1/evaluation/jobs/${id}`,
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
                config: buildBenchmarkConfig(benchmark),
                target: {
                  type: 'model',
                  model: {
                    api_endpoint: {
                      url: `${openAiBaseUrl(config.nmp_config.nim_base_url)}/chat/completions`,
                      model_id: input.targetModel,
                    },
                  },
                },
              },
              {
                base: evaluationJobKey(jobId, modelName, `benchmark-${variant}-${benchmark.type}`),
                generation: runGeneration(info),
              },
            )
          ).job;
      heartbeat({ remoteJobId: remote.id } satisfies Resume);
      await record({ job_id: remote.id, nmp_uri: client.evaluator.jobUri(remote.id) });

      let failure: string | undefined;
      await cancelRemoteOnCancellation(
        () =>
          pollUntilDone({
            read: () => read(remote.id),
            headway: (j) => j.status_details?.progress ?? 0,
            done: (j) => j.status === 'completed',
            failed: (j) =>
              j.status === 'failed' || j.status === 'cancelled'
                ? `benchmark ${benchmark.type} ${j.status}: ${j.status_details?.message ?? 'no detail'}`
                : undefined,
            heartbeat: (j) => ({ remoteJobId: remote.id, progress: j.status_details?.progress ?? 0 }),
            queued: (j) => QUEUED_STATUSES.has(j.status),
            stalledBecause: (j) => `last status ${j.status}`,
            intervalMs: config.timing.poll_interval_ms,
            stallTimeoutMs: config.timing.job_stall_timeout_ms,
            queueTimeoutMs: config.timing.queue_timeout_ms,
          }).catch((err: unknown) => {
            const ended = err instanceof ApplicationFailure && (err.type === 'JobFailed' || err.type === 'JobStalled');
            if (!ended && !(err instanceof NemoPermanentError)) throw err;
            failure = (err as Error).message;
          }),
        async () => {
          await client.evaluator.cancelJob(remote.id);
          await record({ status: 'cancelled', error: 'Flywheel run cancelled', finished_at: new Date() });
        },
      );
      if (!failure) {
        try {
          const scored = benchmarkScore(
            await retryTransient(() => client.evaluator.getResults(remote.id)),
            benchmark,
            remote.id,
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
          failure = err.message;
        }
      }
      await record({ status: 'failed', error: failure, finished_at: new Date() });
      return { benchmark: benchmark.type, variant, score: null, status: 'failed', error: failure };
    },
  };
}
