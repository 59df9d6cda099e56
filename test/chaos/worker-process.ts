import { nemoClientFor } from '../../activities/nemo-factory';
import { startLoadProbe } from '../../bench/lib/load-probe';
import { readEnvironment } from '../../config/environment';
import { connectWorker } from '../../temporal/connection';
import { createFlywheelWorker } from '../../worker/create-worker';
import { openActivityDeps } from '../../worker/dependencies';

// The chaos suite's worker process: the production worker (same factory, same dependencies
// from the environment, same config loading through FLYWHEEL_CONFIG) with two test-only
// differences: it loads a prebuilt workflow bundle (CHAOS_WORKFLOW_BUNDLE) so a restart after
// `kill -9` takes seconds instead of a webpack build, and NeMo requests time out after 2 s so
// injected hangs cost little. The parent kills it with SIGKILL and starts another.
async function main(): Promise<void> {
  const env = readEnvironment();
  const bundlePath = process.env.CHAOS_WORKFLOW_BUNDLE;
  if (!bundlePath) throw new Error('CHAOS_WORKFLOW_BUNDLE is not set');
  const { deps, close } = await openActivityDeps(env);
  const connection = await connectWorker(env);
  try {
    const worker = await createFlywheelWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.FLYWHEEL_TASK_QUEUE,
      deps,
      workflowBundle: { codePath: bundlePath },
      // 2 s, so the hang scenarios are quick; the load tests ask for the production default
      nemo: (config) => nemoClientFor(config, { timeoutMs: Number(process.env.CHAOS_NEMO_TIMEOUT_MS ?? 2000) }),
      overrides: {
        shutdownGraceTime: '1 second',
        maxHeartbeatThrottleInterval: '300 milliseconds',
        // the production slot sizing unless a scenario (or the benchmark) asks for other figures
        ...(process.env.CHAOS_MAX_ACTIVITIES
          ? { maxConcurrentActivityTaskExecutions: Number(process.env.CHAOS_MAX_ACTIVITIES) }
          : {}),
        ...(process.env.CHAOS_MAX_WORKFLOW_TASKS
          ? { maxConcurrentWorkflowTaskExecutions: Number(process.env.CHAOS_MAX_WORKFLOW_TASKS) }
          : {}),
      },
    });
    // Tests block this worker's event loop on demand: SIGUSR2 busy-waits CHAOS_BLOCK_MS.
    const blockMs = Number(process.env.CHAOS_BLOCK_MS ?? 0);
    if (blockMs > 0)
      process.on('SIGUSR2', () => {
        const until = Date.now() + blockMs;
        while (Date.now() < until) {}
        console.log(`event loop blocked for ${blockMs} ms`);
      });
    const probeFile = process.env.FLYWHEEL_LOAD_PROBE_FILE;
    if (probeFile) startLoadProbe({ worker, results: deps.results, file: probeFile });
    console.log(`chaos worker polling ${env.FLYWHEEL_TASK_QUEUE} pid ${process.pid}`);
    await worker.run();
  } finally {
    await connection.close().catch(() => undefined);
    await close().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
