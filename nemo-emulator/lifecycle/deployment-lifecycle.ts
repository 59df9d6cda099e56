import type { EmulatorContext } from '../context';
import type { Deployment, DeploymentStatus } from '../state/store';
import { now } from '../state/store';

// A model deployment: created → pending (image pull, weights load, NIM start) → ready, with
// durations from the emulator's profile. Faults keep it pending for ever or fail it. DMS has no
// deleting status in v1: after DELETE the record lingers with the status it had (nothing is
// served any more) until it is removed and GET answers 404.

const POLL_MS = 2_000;

export function startDeployment(ctx: EmulatorContext, deployment: Deployment): void {
  const { signal } = deployment.controller;
  const names = [deployment.name, `${deployment.namespace}/${deployment.name}`, deployment.config.model];
  const id = `${deployment.namespace}/${deployment.name}`;
  ctx.scheduler.spawn(`deployment ${deployment.name}`, async () => {
    await ctx.scheduler.sleep(ctx.durations.deployment_accept_ms, signal);
    setStatus(deployment, 'pending', 'Pulling the NIM image and loading the model');
    ctx.gpus.startLoading(id);
    try {
      await load();
    } finally {
      ctx.gpus.stopLoading('deployment', id);
    }
  });

  async function load() {
    await ctx.scheduler.sleep(ctx.durations.deployment_start_ms, signal);
    let reported = false;
    while (ctx.faults.deployment('never_ready', names)) {
      if (!reported) ctx.counters.fault('deployment_never_ready');
      reported = true;
      await ctx.scheduler.sleep(POLL_MS, signal);
    }
    if (ctx.faults.deployment('fail', names)) {
      ctx.counters.fault('deployment_fail');
      setStatus(deployment, 'failed', 'NIM container exited: model failed to load (injected fault)');
      return;
    }
    setStatus(deployment, 'ready', 'Deployment is ready');
  }
}

export function startDeletion(ctx: EmulatorContext, deployment: Deployment): void {
  deployment.controller.abort();
  deployment.deleting = true;
  deployment.status_details = { ...deployment.status_details, description: 'Deployment is being deleted' };
  deployment.updated_at = now();
  const id = `${deployment.namespace}/${deployment.name}`;
  ctx.scheduler.spawn(`delete ${id}`, async () => {
    await ctx.scheduler.sleep(ctx.durations.deployment_delete_ms);
    if (ctx.state.deployments.get(id) === deployment) {
      ctx.state.deployments.delete(id);
      ctx.gpus.release('deployment', id);
    }
  });
}

function setStatus(deployment: Deployment, status: DeploymentStatus, description: string): void {
  deployment.status_details = { status, description };
  deployment.updated_at = now();
}
