import { Context } from '@temporalio/activity';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import { DeploymentStatus } from '../contracts';
import type { ResultsStore } from '../stores/results/results-store';
import { heartbeat } from './heartbeat';
import { deploymentName } from './naming';
import type { NemoFactory } from './nemo';
import { pollUntilDone } from './poll';

export interface DeploymentDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

export function createDeploymentActivities({ results, nemo }: DeploymentDeps) {
  return {
    /**
     * Deploys a candidate through DMS (find-or-create by a per-run name), waits until it is
     * ready and its model is served by the NIM proxy.
     */
    async deployCandidate(input: { jobId: string; candidate: CandidateModel; config: FlywheelConfig }) {
      const { jobId, candidate, config } = input;
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const name = deploymentName(jobId, candidate.model_name);
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
      await pollUntilDone({
        read: () => client.deployments.get(namespace, name),
        headway: () => 0,
        done: (d) => d.status_details.status === 'ready',
        failed: (d) => (d.status_details.status === 'failed' ? `deployment ${name} failed` : undefined),
        progress: {
          of: (d) => ({
            deployment_status: DeploymentStatus.safeParse(d.status_details.status).data ?? 'unknown',
            runtime_seconds: (Date.now() - started) / 1000,
          }),
          write: (patch) => results.updateNim(jobId, candidate.model_name, patch),
        },
        heartbeat: (d) => ({ deployment: name, status: d.status_details.status }),
        stalledBecause: () => 'the deployment never became ready',
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
        stallTimeoutMs: config.timing.deployment_timeout_ms,
      });
      heartbeat({ deployment: name, status: 'ready' });
      return { deployment: name };
    },

    /**
     * Deletes the candidate's deployment and waits until DMS no longer has it, so its GPUs are
     * really free before the budget hands them to the next candidate (upstream slept 60 s).
     * Absent already counts as done.
     */
    async teardownDeployment(input: { jobId: string; candidate: CandidateModel; config: FlywheelConfig }) {
      const { jobId, candidate, config } = input;
      const name = deploymentName(jobId, candidate.model_name);
      const namespace = config.nmp_config.nmp_namespace;
      const client = nemo(config);
      await results.updateNim(jobId, candidate.model_name, { deployment_status: 'deleting' });
      await client.deployments.remove(namespace, name);
      const ctx = Context.current();
      while (!(await isGone(() => client.deployments.get(namespace, name)))) {
        heartbeat({ deployment: name, status: 'deleting' });
        await ctx.sleep(Math.min(config.timing.poll_interval_ms, 1000));
      }
      await results.setNimDeploymentStatus(jobId, candidate.model_name, 'deleted');
    },
  };
}

async function isGone(
  read: () => Promise<{ status_details: { status: string } } | undefined | null>,
): Promise<boolean> {
  try {
    const d = await read();
    return !d || d.status_details.status === 'deleted';
  } catch (err) {
    if ((err as { status?: number }).status === 404) return true;
    throw err;
  }
}
