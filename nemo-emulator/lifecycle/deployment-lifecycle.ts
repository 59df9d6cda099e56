import type { EmulatorContext } from '../context';
import type { Deployment, DeploymentStatus } from '../state/store';
import { now } from '../state/store';

// A model deployment: created → pending (pulling the image, loading weights) → ready, about
// 20 s at time scale 1. Faults keep it pending for ever or fail it. Deleting takes a moment
// during which it reports `deleting` and no longer serves.

const TO_PENDING_MS = 1_000;
const TO_READY_MS = 19_000;
const POLL_MS = 2_000;
const DELETE_MS = 2_000;

export function startDeployment(ctx: EmulatorContext, deployment: Deployment): void {
  const { signal } = deployment.controller;
  const names = [deployment.name, `${deployment.namespace}/${deployment.name}`, deployment.config.model];
  ctx.scheduler.spawn(`deployment ${deployment.name}`, async () => {
    await ctx.scheduler.sleep(TO_PENDING_MS, signal);
    setStatus(deployment, 'pending', 'Deployment is starting');
    await ctx.scheduler.sleep(TO_READY_MS, signal);
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
  });
}

export function startDeletion(ctx: EmulatorContext, deployment: Deployment): void {
  deployment.controller.abort();
  setStatus(deployment, 'deleting', 'Deployment is being deleted');
  const id = `${deployment.namespace}/${deployment.name}`;
  ctx.scheduler.spawn(`delete ${id}`, async () => {
    await ctx.scheduler.sleep(DELETE_MS);
    if (ctx.state.deployments.get(id) === deployment) ctx.state.deployments.delete(id);
  });
}

function setStatus(deployment: Deployment, status: DeploymentStatus, description: string): void {
  deployment.status_details = { status, description };
  deployment.updated_at = now();
}
