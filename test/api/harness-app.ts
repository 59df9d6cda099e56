import { createApp } from '../../api/app';
import { memoryLogger } from '../../api/logger';
import type { TokenInput } from '../../api/middleware/auth';
import type { FlywheelHarness } from '../support/flywheel-harness';
import { TOKENS } from './api-env';
import { ApiTestClient } from './support';

/** The API over a flywheel harness's clients, so runs it starts are executed by the harness's worker. */
export function apiOverHarness(h: FlywheelHarness, options: { tokens?: TokenInput } = {}) {
  const logger = memoryLogger();
  const app = createApp({
    temporal: h.env.client,
    results: h.results,
    elasticsearch: h.elasticsearch,
    logIndex: h.logIndex,
    taskQueue: h.taskQueue,
    gpuLedgerId: h.gpuLedgerId,
    tokens: options.tokens ?? TOKENS,
    logger,
    configNames: () => [...h.configs.keys()],
    loadConfig: (name = 'default') => {
      const config = h.configs.get(name);
      if (!config) throw new Error(`test config "${name}" not registered`);
      return config;
    },
  });
  return { app, api: new ApiTestClient(app, TOKENS[0] as string), logger };
}

/** Terminates whatever still runs on a test's task queue, so nothing is left on the dev server. */
export async function terminateLeftovers(h: FlywheelHarness): Promise<void> {
  const query = `TaskQueue="${h.taskQueue}" AND ExecutionStatus="Running"`;
  for await (const wf of h.env.client.workflow.list({ query })) {
    await h.env.client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .terminate('test file done')
      .catch(() => undefined);
  }
}
