import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { servers } from './servers';
import { bundleWorkflows, readSharedBundle } from './shared-workflow-bundle';

/** A test environment on the running dev server (the local stack's, or TEMPORAL_ADDRESS). */
export function connectTestEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({
    address: servers.TEMPORAL_ADDRESS,
    namespace: servers.TEMPORAL_NAMESPACE,
  });
}

let bundle: Promise<{ code: string }> | undefined;

/** The workflow bundle: the run's shared one (jest's global setup), else built once per process. */
export function workflowBundle(): Promise<{ code: string }> {
  if (!bundle) {
    const shared = readSharedBundle();
    bundle = shared ? Promise.resolve({ code: shared }) : bundleWorkflows();
  }
  return bundle;
}

/** A task queue of its own per test, so parallel suites never pick up each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

const noop = () => undefined;

/** A logger that drops everything: for activities whose expected failures would be logged as warnings. */
export const silentLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
