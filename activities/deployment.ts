import { Context } from '@temporalio/activity';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import type { DeploymentStatus } from '../contracts';
import { NemoRetryableError } from '../nemo-client';
import type { ResultsStore } from '../stores/results/results-store';
import type { SharedNimDeployment } from '../workflows/gpu-budget-contract';
import { heartbeat } from './heartbeat';
import { deploymentName } from './naming';
import type { NemoFactory } from './nemo-factory';
import { nextPollDelay, pollUntilDone } from './poll';

export interface DeploymentDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

/** DMS statuses (the v1 JobStatus enum) as the nim document records them. */
const RECORDED: Record<string, DeploymentStatus> = {
  created: 'created',
  pending: 'pending',
  running: 'running',
  ready: 'ready',
  failed: 'failed',
  cancelled: 'failed',
  cancelling: 'deleting',
  completed: 'unknown',
  unknown: 'unknown',
};

export function createDeploymentActivities({ results, nemo }: DeploymentDeps) {
  return {
    /**
     * Deploys a candidate through DMS (find-or-create by a per-run name), waits until it is
     * ready and its model is served by the NIM proxy, within `deployment_timeout_ms` in all.
     */
    async deployCandidate(input: {
      jobId: string;
      candidate: CandidateModel;
      config: FlywheelConfig;
      /** A NIM shared by runs (gpu_policy.share_nims): its name; found again when it is up. */
      deployment?: string;
    }) {
      const { jobId, candidate, config } = input;
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const name = input.deployment ?? deploymentName(jobId, candidate.model_name);
      await client.deployments.ensure({
        name,
        namespace,
        config: {
          model: candidate.model_name,
          nim_deployment: {
            image_name: `${candidate.registry_base}/${candidate.model_name}`,
            image_tag: candidate.tag ?? 'latest',
            pvc_size: candidate.pvc_size ?? '25Gi',
            gpu: candidate.gpus,
            additional_envs: { NIM_GUIDED_DECODING_BACKEND: 'outlines' },
          },
        },
      });
      const started = Date.now();
      const deadline = started + config.timing.deployment_timeout_ms;
      await pollUntilDone({
        read: async () => {
          const d = await client.deployments.get(namespace, name);
          // retryable: a retried deploy activity re-creates it by name
          if (!d) {
            throw new NemoRetryableError('deployment not found', {
              method: 'GET',
              path: `/v1/deployment/model-deployments/${namespace}/${name}`,
              status: 404,
            });
          }
          return d;
        },
        headway: () => 0,
        done: (d) => d.status_details.status === 'ready',
        failed: (d) =>
          d.status_details.status === 'failed' || d.status_details.status === 'cancelled'
            ? `deployment ${name} ${d.status_details.status}: ${d.status_details.description ?? 'no detail'}`
            : undefined,
        progress: {
          of: (d) => ({
            deployment_status: RECORDED[d.status_details.status] ?? 'unknown',
            runtime_seconds: (Date.now() - started) / 1000,
          }),
          write: (patch) => results.updateNim(jobId, candidate.model_name, patch),
        },
        heartbeat: (d) => ({ deployment: name, status: d.status_details.status }),
        stalledBecause: (d) =>
          `the deployment never became ready (last status ${d.status_details.status}${d.status_details.description ? `: ${d.status_details.description}` : ''})`,
        intervalMs: config.timing.poll_interval_ms,
        stallTimeoutMs: config.timing.deployment_timeout_ms,
      });
      await pollUntilDone({
        read: async () => (await client.nim.listModelIds()).includes(candidate.model_name),
        headway: () => 0,
        done: (served) => served,
        failed: () => undefined,
        heartbeat: (served) => ({ deployment: name, served }),
        name: 'served',
        stalledBecause: () => `${candidate.model_name} never appeared in the NIM proxy's model list`,
        intervalMs: config.timing.poll_interval_ms,
        stallTimeoutMs: Math.max(config.timing.poll_interval_ms, deadline - Date.now()),
      });
      heartbeat({ deployment: name, status: 'ready' });
      return { deployment: name };
    },

    /**
     * Deletes the candidate's deployment and waits until DMS no longer has it, so its GPUs are
     * really free before the budget hands them to the next candidate (upstream slept 60 s).
     * Bounded by `teardown_timeout_ms` whatever DMS reports meanwhile (v1 has no deleting
     * status); past it the nim document reads `unknown` and a warning says what DMS last
     * reported. Absent counts as done.
     */
    async teardownDeployment(input: {
      jobId: string;
      candidate: CandidateModel;
      config: FlywheelConfig;
      /** A shared NIM's name (gpu_policy.share_nims); its last user tears it down. */
      deployment?: string;
      /** A shared NIM others still use: only this run's record of it ends (`deleted` for this run). */
      othersStillUseIt?: boolean;
    }) {
      const { jobId, candidate, config } = input;
      const name = input.deployment ?? deploymentName(jobId, candidate.model_name);
      if (input.othersStillUseIt) {
        Context.current().log.info(`deployment ${name} stays up: other runs still use it`);
        await results.setNimDeploymentStatus(jobId, candidate.model_name, 'deleted');
        return;
      }
      const namespace = config.nmp_config.nmp_namespace;
      const client = nemo(config);
      await results.updateNim(jobId, candidate.model_name, { deployment_status: 'deleting' });
      const ctx = Context.current();
      const outcome = await removeAndWait(client, namespace, name, {
        timeoutMs: config.timing.teardown_timeout_ms,
        intervalMs: Math.min(config.timing.poll_interval_ms, 5000),
      });
      // Recorded even on a finished candidate: where its deployment stands is still worth knowing.
      if (!outcome.gone) {
        ctx.log.warn(
          `deployment ${name} still listed by DMS (status ${outcome.lastStatus}) ${Math.round(config.timing.teardown_timeout_ms / 1000)}s after its deletion`,
        );
      }
      await results.setNimDeploymentStatus(jobId, candidate.model_name, outcome.gone ? 'deleted' : 'unknown');
    },

    /**
     * The GPU ledger deletes a shared NIM whose last user died without tearing it down (a run
     * terminated, or stuck): waits until DMS no longer has it, at most ORPHAN_TEARDOWN_MS.
     */
    async teardownOrphanedNim(deployment: SharedNimDeployment) {
      const client = nemo({ nmp_config: deployment.nmpConfig } as FlywheelConfig);
      const outcome = await removeAndWait(client, deployment.namespace, deployment.name, {
        timeoutMs: ORPHAN_TEARDOWN_MS,
        intervalMs: 5000,
      });
      if (!outcome.gone)
        Context.current().log.warn(
          `orphaned deployment ${deployment.name} still listed (status ${outcome.lastStatus})`,
        );
    },
  };
}

/**
 * Deletes a deployment through DMS and waits until DMS no longer lists it, heartbeating. The
 * same adaptive pauses as every other wait: a deletion that ends quickly is seen quickly (its
 * GPUs go back to the ledger), a long one is read every interval.
 */
function removeAndWait(
  client: ReturnType<NemoFactory>,
  namespace: string,
  name: string,
  { timeoutMs, intervalMs }: { timeoutMs: number; intervalMs: number },
) {
  const ctx = Context.current();
  const started = Date.now();
  return client.deployments.remove(namespace, name, {
    timeoutMs,
    intervalMs,
    sleep: async () => {
      heartbeat({ deployment: name, status: 'deleting' });
      await ctx.sleep(
        nextPollDelay({ intervalMs, elapsedMs: Date.now() - started, lastReadMs: 0, transientFailures: 0 }),
      );
    },
  });
}

/** Within the ledger's cleanup activity timeout (5 minutes). */
const ORPHAN_TEARDOWN_MS = 4 * 60_000;
