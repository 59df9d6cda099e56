import { activityInfo } from '@temporalio/activity';
import type { FlywheelConfig } from '../config/schema';
import { NemoPermanentError, QUEUED_STATUSES } from '../nemo-client';
import { type CustomizationJob, customizationFailureReason, lacksResources } from '../nemo-client/customizer';
import type { ResultsStore } from '../stores/results/results-store';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import type { NemoFactory } from './nemo-factory';
import { pollUntilDone } from './poll';

// One Customizer job from start to its output model, for LLM and embedding customizations
// alike: a retry resumes the job named in the heartbeat (else `create` finds it again or makes
// it), progress goes to the customization document, cancelling the activity cancels the remote
// job, and the answer is the Customizer's own name for the output model.

interface Resume {
  remoteJobId?: string;
}

export interface CustomizationJobRun {
  client: ReturnType<NemoFactory>;
  results: ResultsStore;
  config: FlywheelConfig;
  /** The customization document's id. */
  docId: string;
  /** When the customization started (runtime_seconds count from it). */
  started: Date;
}

/**
 * Runs (or resumes) the job until it completes; `create` finds the run's job again or creates
 * it (idempotent on the Customizer). Answers the job's id and the customized model's name.
 */
export async function pollCustomizationJob(
  run: CustomizationJobRun,
  create: () => Promise<CustomizationJob>,
): Promise<{ remoteJobId: string; customizedModel: string }> {
  const { client, results, config, docId, started } = run;
  const resumed = (activityInfo().heartbeatDetails as Resume | undefined)?.remoteJobId;
  const found = resumed ? await client.customizer.getJob(resumed) : undefined;
  const remote = found ?? (await create());
  heartbeat({ remoteJobId: remote.id } satisfies Resume);
  await results.updateCustomization(docId, {
    job_id: remote.id,
    status: 'running',
    nmp_uri: client.customizer.jobUri(remote.id),
    customized_model: remote.output_model,
  });

  await cancelRemoteOnCancellation(
    () =>
      pollUntilDone({
        read: () => client.customizer.getStatus(remote.id),
        headway: (s) => s.percentage_done * 1e6 + s.steps_completed,
        done: (s) => s.status === 'completed',
        failed: (s) =>
          s.status === 'failed' || s.status === 'cancelled'
            ? `customization ${s.status}: ${customizationFailureReason(s)}`
            : undefined,
        progress: {
          of: (s) => ({
            progress: s.percentage_done,
            epochs_completed: s.epochs_completed,
            steps_completed: s.steps_completed,
            runtime_seconds: (Date.now() - started.getTime()) / 1000,
          }),
          write: (patch) => results.updateCustomization(docId, patch),
        },
        heartbeat: (s) => ({ remoteJobId: remote.id, progress: s.percentage_done }),
        queued: (s) => QUEUED_STATUSES.has(s.status),
        stalledBecause: (s) =>
          lacksResources(s) ? 'insufficient GPU resources (NotEnoughResources)' : `last status ${s.status}`,
        intervalMs: config.timing.poll_interval_ms,
        stallTimeoutMs: config.timing.job_stall_timeout_ms,
        queueTimeoutMs: config.timing.queue_timeout_ms,
      }),
    async () => {
      await client.customizer.cancelJob(remote.id);
      await results.updateCustomization(docId, {
        status: 'cancelled',
        error: 'Flywheel run cancelled',
        finished_at: new Date(),
      });
    },
  );

  // The Customizer's own name for the result (its job may have named it only now).
  const finished = await client.customizer.getJob(remote.id);
  if (!finished) {
    throw new NemoPermanentError('customization job vanished after completing', {
      method: 'GET',
      path: `/v1/customization/jobs/${remote.id}`,
      status: 404,
    });
  }
  const customizedModel = finished.output_model;
  await results.updateCustomization(docId, { customized_model: customizedModel });
  return { remoteJobId: remote.id, customizedModel };
}

/** Waits until the NIM proxy serves `model` (an adapter or tuned embedder, after its sync). */
export async function waitServed(
  client: ReturnType<NemoFactory>,
  model: string,
  config: FlywheelConfig,
  details: Record<string, unknown>,
): Promise<void> {
  await pollUntilDone({
    read: async () => (await client.nim.listModelIds()).includes(model),
    headway: () => 0,
    done: (served) => served,
    failed: () => undefined,
    heartbeat: () => details,
    name: 'served',
    stalledBecause: () => `${model} never appeared in the NIM proxy's model list`,
    intervalMs: config.timing.poll_interval_ms,
    stallTimeoutMs: config.timing.deployment_timeout_ms,
  });
}

/** The customization document marked completed. */
export async function completeCustomization(results: ResultsStore, docId: string, started: Date): Promise<void> {
  await results.updateCustomization(docId, {
    status: 'completed',
    progress: 100,
    finished_at: new Date(),
    runtime_seconds: (Date.now() - started.getTime()) / 1000,
  });
}
