import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { FlywheelConfig } from '../config/schema';
import { NemoPermanentError, QUEUED_STATUSES } from '../nemo-client';
import type { EvaluationJob, EvaluationJobRequest } from '../nemo-client/evaluator';
import type { ResultsStore } from '../stores/results/results-store';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import { runGeneration } from './naming';
import type { NemoFactory } from './nemo-factory';
import { type PollSpec, pollUntilDone } from './poll';

// One NeMo Evaluator job polled to the end, for LLM evaluations, retriever evaluations and
// academic benchmarks alike: a retry resumes the job named in the heartbeat, else finds it
// again by its key in `custom_fields` (a lost create response never makes a second one) or
// creates it; cancelling the activity cancels the remote job. The caller's score reader turns
// the finished job into the activity's answer.

interface Resume {
  remoteJobId?: string;
}

export interface EvaluationJobRun<T> {
  client: ReturnType<NemoFactory>;
  config: FlywheelConfig;
  /** The job to create when none is found again (custom_fields are the key's). */
  request: Omit<EvaluationJobRequest, 'custom_fields'>;
  /** The deterministic job key (naming.evaluationJobKey). */
  key: string;
  /** What failure messages call the job ("evaluation", "benchmark gsm8k"). */
  label: string;
  /** Records the job once known (its id, running). */
  recordJob: (remote: EvaluationJob) => Promise<unknown>;
  /** Progress written to the results store while polling. */
  progress?: PollSpec<EvaluationJob, unknown>['progress'];
  /** Records the evaluation cancelled (after the remote job was cancelled). */
  recordCancelled: () => Promise<unknown>;
  /**
   * A job that ended without completing (failed, cancelled remotely, stalled) or vanished: the
   * answer this gives instead of the error (a benchmark records it); without it, it is thrown.
   */
  ended?: (error: Error) => Promise<T>;
}

/** The Evaluator job of `run`, found or created, polled until it completes, then `readScores`. */
export async function runEvaluationJob<T>(
  run: EvaluationJobRun<T>,
  readScores: (finished: EvaluationJob) => Promise<T>,
): Promise<T> {
  const { client, config } = run;
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
    : (await client.evaluator.ensureJob(run.request, { base: run.key, generation: runGeneration(info) })).job;
  heartbeat({ remoteJobId: remote.id } satisfies Resume);
  await run.recordJob(remote);

  let endedWith: Error | undefined;
  const finished = await cancelRemoteOnCancellation(
    () =>
      pollUntilDone({
        read: () => read(remote.id),
        headway: (j) => j.status_details?.progress ?? 0,
        done: (j) => j.status === 'completed',
        failed: (j) =>
          j.status === 'failed' || j.status === 'cancelled'
            ? `${run.label} ${j.status}: ${j.status_details?.message ?? 'no detail'}`
            : undefined,
        progress: run.progress,
        heartbeat: (j) => ({ remoteJobId: remote.id, progress: j.status_details?.progress ?? 0 }),
        queued: (j) => QUEUED_STATUSES.has(j.status),
        stalledBecause: (j) => `last status ${j.status}`,
        intervalMs: config.timing.poll_interval_ms,
        stallTimeoutMs: config.timing.job_stall_timeout_ms,
        queueTimeoutMs: config.timing.queue_timeout_ms,
      }).catch((err: unknown) => {
        if (!run.ended || !jobEnded(err)) throw err;
        endedWith = err as Error;
        return undefined;
      }),
    async () => {
      await client.evaluator.cancelJob(remote.id);
      await run.recordCancelled();
    },
  );
  if (endedWith && run.ended) return run.ended(endedWith);
  return readScores(finished as EvaluationJob);
}

/** The job ended without completing (JobFailed, JobStalled) or is gone for good. */
function jobEnded(err: unknown): boolean {
  if (err instanceof NemoPermanentError) return true;
  return err instanceof ApplicationFailure && (err.type === 'JobFailed' || err.type === 'JobStalled');
}

/** The evaluation document's side of a run: job id and progress, cancelled, completed. */
export function evaluationRecord(
  results: ResultsStore,
  client: ReturnType<NemoFactory>,
  docId: string,
  started: Date,
): Pick<EvaluationJobRun<unknown>, 'recordJob' | 'progress' | 'recordCancelled'> & { runtimeSeconds: () => number } {
  const runtimeSeconds = () => (Date.now() - started.getTime()) / 1000;
  return {
    runtimeSeconds,
    recordJob: (remote) =>
      results.updateEvaluation(docId, {
        job_id: remote.id,
        status: 'running',
        nmp_uri: client.evaluator.jobUri(remote.id),
      }),
    progress: {
      of: (j) => ({ progress: j.status_details?.progress ?? 0, runtime_seconds: runtimeSeconds() }),
      write: (patch) => results.updateEvaluation(docId, patch as never),
    },
    recordCancelled: () =>
      results.updateEvaluation(docId, {
        status: 'cancelled',
        error: 'Flywheel run cancelled',
        finished_at: new Date(),
      }),
  };
}
