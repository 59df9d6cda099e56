import { timedActivities } from '../observability/metrics';
import { resolveConfigByReference } from './config-reference';
import { createCustomizationActivities } from './customization';
import { createDatasetActivities } from './datasets';
import { createDeletionActivities } from './deletion';
import { createDeploymentActivities } from './deployment';
import type { ActivityDeps } from './deps';
import { createEmbeddingCustomizationActivities } from './embedding-customization';
import { createEvaluationActivities } from './evaluation';
import { createGeneralBenchmarkActivities } from './general-benchmark';
import { createGpuBudgetActivities } from './gpu-budget';
import { withSteadyHeartbeat } from './heartbeat';
import { createJudgeActivities } from './judge';
import { createMlflowActivities } from './mlflow-tracking';
import type { NemoFactory } from './nemo-factory';
import { createOwnCancellationActivities } from './own-cancellation';
import { createRecommendationActivities } from './recommendation';
import { createRetrievalDatasetActivities } from './retrieval-datasets';
import { createRetrievalEvaluationActivities } from './retrieval-evaluation';
import { createRunLifecycleActivities } from './run-lifecycle';
import { createSmokeActivities } from './smoke';

/**
 * Every activity the worker registers, built from the clients it is given. Each heartbeats on
 * a timer while it runs (when its options set a heartbeat timeout), so a slow store or NeMo
 * call is never taken for a dead worker.
 */
export function createActivities(deps: ActivityDeps & { nemo: NemoFactory }) {
  // Each one is also timed for /metrics (flywheel_step_duration_seconds).
  const activities = timedActivities(allActivities(deps));
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      withSteadyHeartbeat(fn as (...a: unknown[]) => Promise<unknown>),
    ]),
  ) as typeof activities;
}

function allActivities(deps: ActivityDeps & { nemo: NemoFactory }) {
  return resolveConfigByReference(everyActivity(deps), deps.results);
}

function everyActivity(deps: ActivityDeps & { nemo: NemoFactory }) {
  return {
    ...createSmokeActivities(),
    ...createRunLifecycleActivities(deps),
    ...createDatasetActivities(deps),
    ...createGpuBudgetActivities(deps),
    ...createDeploymentActivities(deps),
    ...createEvaluationActivities(deps),
    ...createGeneralBenchmarkActivities(deps),
    ...createCustomizationActivities(deps),
    ...createJudgeActivities(deps),
    ...createDeletionActivities(deps),
    ...createRecommendationActivities(deps),
    ...createMlflowActivities(deps),
    ...createOwnCancellationActivities(deps),
    ...createRetrievalDatasetActivities(deps),
    ...createRetrievalEvaluationActivities(deps),
    ...createEmbeddingCustomizationActivities(deps),
  };
}
